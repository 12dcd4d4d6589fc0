package monitor

import (
	"fmt"
	"strings"
	"time"

	"github.com/traffic-grapher/traffic_grapher/collect"
)

// HostStatus remembers, per host, whether the last collection worked, so the
// footer can say which host is failing and why while the others go on.
type HostStatus struct {
	hosts []hostState
}

type hostState struct {
	err      error
	warnings []string
	failures int       // consecutive
	since    time.Time // the first of them
	retry    time.Duration
	via      string        // how the host is read, if not a local socket
	answered bool          // it has answered once
	last     time.Time     // its last answer's
	took     time.Duration // how long its last answer took
}

// Condition is a host's collection in a word: what the fleet table says.
type Condition int

// Conditions, from the best to the worst.
const (
	CondOK Condition = iota
	CondWaiting
	CondSlow
	CondReconnecting
	CondDown
)

func (c Condition) String() string {
	return [...]string{"ok", "waiting", "slow", "reconnecting", "down"}[c]
}

// reconnectFailures is how many failures in a row of a host that has
// answered before are "reconnecting" (a restart, a dropped connection
// being dialled again) rather than "down".
const reconnectFailures = 2

// Condition is host i's at now, and since when (zero when not known):
//   - down: its last fetch failed, and it never answered or has failed
//     more than reconnectFailures times in a row;
//   - reconnecting: it answered before and has failed a time or two;
//   - slow: it answers, but nothing came for longer than staleAfter (a
//     fetch hangs), or its last answer took longer than slowAfter;
//   - waiting: no answer yet;
//   - ok.
func (s *HostStatus) Condition(i int, now time.Time, staleAfter, slowAfter time.Duration) (Condition, time.Time) {
	if i < 0 || i >= len(s.hosts) {
		return CondWaiting, time.Time{}
	}
	h := s.hosts[i]
	switch {
	case h.err != nil && h.answered && h.failures <= reconnectFailures:
		return CondReconnecting, h.since
	case h.err != nil:
		return CondDown, h.since
	case !h.answered:
		return CondWaiting, time.Time{}
	case staleAfter > 0 && now.Sub(h.last) > staleAfter:
		return CondSlow, h.last
	case slowAfter > 0 && h.took > slowAfter:
		return CondSlow, time.Time{}
	}
	return CondOK, time.Time{}
}

// Health is what a host's status says of it.
type Health struct {
	Err      error // the last fetch's; nil when it answered
	Failures int   // in a row
	// Since is when the failures began (the first failed fetch's time).
	Since time.Time
	// Retry is how long until it is asked again, when it is being let
	// alone after failures (collect.Backoff).
	Retry time.Duration
	// Answered says it has answered at least once.
	Answered bool
}

// Health is host i's.
func (s *HostStatus) Health(i int) Health {
	if i < 0 || i >= len(s.hosts) {
		return Health{}
	}
	h := s.hosts[i]
	return Health{Err: h.err, Failures: h.failures, Since: h.since, Retry: h.retry, Answered: h.answered}
}

// NewHostStatus tracks n hosts.
func NewHostStatus(n int) *HostStatus {
	return &HostStatus{hosts: make([]hostState, n)}
}

// Record notes one result and says whether it ends a run of failures (the
// host came back, perhaps restarted, so counter baselines are stale).
func (s *HostStatus) Record(r collect.Result) (recovered bool) {
	if r.Host < 0 || r.Host >= len(s.hosts) {
		return false
	}
	h := &s.hosts[r.Host]
	h.via = r.Via
	if r.Err != nil {
		if h.failures == 0 {
			h.since = r.Snapshot.Time
		}
		h.err, h.retry = r.Err, r.Retry
		h.failures++
		return false
	}
	recovered = h.failures > 0
	h.err, h.failures, h.retry, h.answered = nil, 0, 0, true
	h.last, h.took = r.Snapshot.Time, r.Took
	h.warnings = r.Warnings
	return recovered
}

// HostLabel is the host's name with how it is read, when that is not the
// usual local socket: "edge1 (ssh·jsonrpc)".
func (s *HostStatus) HostLabel(i int, name string) string {
	if i < len(s.hosts) && s.hosts[i].via != "" {
		return name + " (" + OneLine(s.hosts[i].via) + ")"
	}
	return name
}

// Errors returns "host: error" for each failing host, in host order.
func (s *HostStatus) Errors(names []string) []string {
	return s.ErrorsOf(nil, names)
}

// ErrorsOf is Errors of some hosts only (nil: all), in the order given.
func (s *HostStatus) ErrorsOf(hosts []int, names []string) []string {
	if hosts == nil {
		hosts = make([]int, len(s.hosts))
		for i := range hosts {
			hosts[i] = i
		}
	}
	var out []string
	for _, i := range hosts {
		if i < 0 || i >= len(s.hosts) || i >= len(names) {
			continue
		}
		if h := s.hosts[i]; h.err != nil {
			msg := names[i] + ": " + OneLine(h.err.Error())
			if h.failures > 1 {
				msg += fmt.Sprintf(" (%d failures in a row)", h.failures)
			}
			if h.retry > 0 {
				msg += fmt.Sprintf("; next try in %v", h.retry.Round(time.Second))
			}
			out = append(out, msg)
		}
	}
	return out
}

// Warnings returns "host: warning" for each host with warnings, in host
// order; a host with many shows the first and how many more.
func (s *HostStatus) Warnings(names []string) []string {
	var out []string
	for i, h := range s.hosts {
		switch n := len(h.warnings); {
		case n == 1:
			out = append(out, names[i]+": "+OneLine(h.warnings[0]))
		case n > 1:
			out = append(out, fmt.Sprintf("%s: %s (+%d more)", names[i], OneLine(h.warnings[0]), n-1))
		}
	}
	return out
}

// oneLine keeps a message on the status line: control characters from a
// misbehaving server must not move the cursor or garble the screen.
func OneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return ' '
		}
		return r
	}, s)
}
