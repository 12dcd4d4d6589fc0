package metrics

import "time"

// Events are what explains a dip or a gap in a host's lines: the server
// restarted (its counters began again from zero) or the host answered
// again after failing. The store keeps them per host for its window; the
// charts mark them on the time axis.

// EventKind says what happened.
type EventKind uint8

const (
	// EventReconnect: the host answered again after failed collections.
	EventReconnect EventKind = iota + 1
	// EventReset: a counter went down: the server restarted.
	EventReset
)

func (k EventKind) String() string {
	switch k {
	case EventReconnect:
		return "reconnect"
	case EventReset:
		return "restart"
	}
	return "event"
}

// Event is one thing that happened to a host at T.
type Event struct {
	T    time.Time
	Kind EventKind
}

// maxEvents bounds each host's events: a host flapping every second for
// a day keeps its last thousand.
const maxEvents = 1024

// MarkEvent records that k happened to host at t; events older than the
// store's window are dropped.
func (s *Store) MarkEvent(host int, t time.Time, k EventKind) {
	if host < 0 || host >= s.hosts {
		return
	}
	if s.base != nil {
		s.base.MarkEvent(s.of[host], t, k)
		return
	}
	ev := s.events[host]
	cut := 0
	for cut < len(ev) && (t.Sub(ev[cut].T) > s.window || len(ev)-cut >= maxEvents) {
		cut++
	}
	s.events[host] = append(ev[cut:], Event{T: t, Kind: k})
}

// Events are host's events from from to to, oldest first.
func (s *Store) Events(host int, from, to time.Time) []Event {
	if host < 0 || host >= s.hosts {
		return nil
	}
	if s.base != nil {
		return s.base.Events(s.of[host], from, to)
	}
	var out []Event
	for _, e := range s.events[host] {
		if !e.T.Before(from) && !e.T.After(to) {
			out = append(out, e)
		}
	}
	return out
}
