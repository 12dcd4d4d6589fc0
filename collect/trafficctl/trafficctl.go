package trafficctl

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/traffic-grapher/traffic_grapher/collect"
	"github.com/traffic-grapher/traffic_grapher/metrics"
)

// DefaultTrafficCtl is the traffic_ctl a TrafficCtlSource runs when Bin is
// empty: looked up in PATH (locally) or by the remote shell (over SSH).
const DefaultTrafficCtl = "traffic_ctl"

// DefaultMaxCtlOutputBytes bounds the output of one traffic_ctl command. A
// full command line (maxCtlArgvBytes of names) answers about 120 KB, so
// 4 MiB only trips on something that is not traffic_ctl.
const DefaultMaxCtlOutputBytes = 4 << 20

// maxCtlArgvBytes bounds one traffic_ctl command line. Locally ARG_MAX is
// ~2 MB, but over SSH the whole command travels as one string that the
// remote shell receives as a single argument, and Linux caps one argument
// at 128 KiB (MAX_ARG_STRLEN). 100 KB leaves room for quoting and for the
// runner's own wrapping.
const maxCtlArgvBytes = 100_000

// ctlAbsentTTL is how long a record that made an ATS 9.x traffic_ctl abort
// (see Fetch) is left out of later commands before it is asked for again:
// long enough that a dashboard naming a few missing records costs one
// extra command every 15 s instead of one per missing record per tick;
// short, because a freshly started ATS 9.x answers "[11] Invalid
// parameters" for every process record for its first ~5 s, and those
// panels must not stay blank for long after.
const ctlAbsentTTL = 15 * time.Second

// TrafficCtlSource reads records by running `traffic_ctl metric get NAME...`
// and parsing its `name value` lines. It serves Traffic Server 9.x (no
// JSON-RPC socket; traffic_ctl talks to traffic_manager) and 10.x, locally
// or over an SSH exec channel (Run), and is safe for concurrent use.
//
// The two traffic_ctl generations differ in what matters here:
//
//   - 10.x prints the records it found and silently skips unknown names
//     (exit 0), so a missing record costs nothing.
//   - 9.x fetches the names one by one and stops at the first unknown one:
//     it exits 2 with "Traffic Server: failed to fetch NAME: [11] Invalid
//     parameters passed into function call." on stderr (the prefix is the
//     program name: "traffic_ctl" in some builds), after printing the
//     names before it. Fetch then records NAME as missing (a warning) and
//     runs the command again for the names after it, and remembers NAME
//     for ctlAbsentTTL so that later Fetches skip it.
//
// A few records were renamed between 9.x and 10.x (see RecordAliases): a
// requested record missing under its own name is asked for under its other
// name and reported under the requested one. The name that answered is
// remembered, so a 9.x host asks for the 9.x name from then on.
//
// The zero value runs "traffic_ctl" from PATH on this machine.
type TrafficCtlSource struct {
	// Run runs one command and returns its standard output; nil means
	// ExecRunner. It must return the output it got even when the command
	// fails (9.x prints the records before the first unknown one, then
	// exits 2), and put stderr in the error text (at least its first line,
	// as ExecRunner does): that is where Fetch finds 9.x's "failed to
	// fetch NAME: [11]" and the words of any other failure. Fetch gives up
	// at ctx's deadline even if Run does not (the call is then abandoned,
	// not waited for).
	Run collect.CommandRunner
	// Bin is the traffic_ctl to run; "" means DefaultTrafficCtl.
	Bin string
	// Label, if set, is what String returns ("traffic_ctl over ssh edge1").
	Label string
	// MaxOutputBytes bounds the output of one command; <= 0 means
	// DefaultMaxCtlOutputBytes. A CommandRunner returns the whole output
	// at once, so this is checked afterwards: it keeps garbage from being
	// parsed and retained, but the runner has already buffered it. A runner
	// that can stop reading early should enforce its own cap.
	MaxOutputBytes int64

	mu sync.Mutex
	// resolved maps a requested record to the other name (RecordAliases)
	// under which the host answered for it last time.
	resolved map[string]string
	// absent maps a name that made 9.x traffic_ctl abort to the time it
	// may be asked for again.
	absent map[string]time.Time
	// now is the clock for absent; nil means time.Now (tests set it).
	now func() time.Time
}

// String describes the source: Label if set, else "traffic_ctl" or
// "traffic_ctl /opt/ts/bin/traffic_ctl".
func (s *TrafficCtlSource) String() string {
	if s.Label != "" {
		return s.Label
	}
	if b := s.bin(); b != DefaultTrafficCtl {
		return "traffic_ctl " + b
	}
	return "traffic_ctl"
}

// Via names the transport for status lines: "traffic_ctl".
func (s *TrafficCtlSource) Via() string { return "traffic_ctl" }

func (s *TrafficCtlSource) bin() string {
	if s.Bin == "" {
		return DefaultTrafficCtl
	}
	return s.Bin
}

func (s *TrafficCtlSource) clock() time.Time {
	if s.now != nil {
		return s.now()
	}
	return time.Now()
}

// ctlKey is the state of one requested record during a Fetch.
type ctlKey struct {
	key   string
	cands []string // names to ask for, in order: remembered alias, key, other aliases
	next  int      // index in cands of the name being asked for
	done  bool
}

func (k *ctlKey) wire() string { return k.cands[k.next] }

// ctlOutcome is what one command said about one name.
type ctlOutcome int

const (
	ctlAbsent       ctlOutcome = iota // not printed: no such record here
	ctlFound                          // printed with a numeric value
	ctlBad                            // printed, but not a usable number
	ctlNotAttempted                   // 9.x stopped before reaching it
)

// Fetch implements Source. Keys are deduplicated; names that traffic_ctl
// could take for an option or that cannot be record names ("-h", "a b")
// are not passed on and come back as warnings. Several commands run when
// the names do not fit one command line (maxCtlArgvBytes) and, on 9.x,
// when a requested record does not exist (see TrafficCtlSource).
//
// Errors: ErrConnect when traffic_ctl cannot be run or cannot reach
// Traffic Server (the message carries traffic_ctl's own words and a hint),
// ErrTimeout at ctx's deadline (DefaultTimeout if ctx has none),
// ErrTooLarge past MaxOutputBytes, ErrMalformed when the output is not
// traffic_ctl's (see ParseTrafficCtlOutput).
func (s *TrafficCtlSource) Fetch(ctx context.Context, keys []string) (map[string]metrics.Sample, []string, error) {
	keys, unsafe := collect.SafeKeys(collect.Dedupe(keys))
	want := collect.WantedKeys(keys)
	f := s.plan(want.Exact())
	ctx, cancel := collect.WithDefaultDeadline(ctx, collect.DefaultTimeout)
	defer cancel()
	deadline, _ := ctx.Deadline()
	f.budget = time.Until(deadline)
	for {
		names := f.pending()
		if len(names) == 0 {
			break
		}
		r, err := s.round(ctx, f, names)
		if err != nil {
			return nil, nil, err
		}
		s.apply(f, r)
	}
	warnings := append(unsafe, f.warnings()...)
	for _, p := range want.Patterns() {
		if w := s.match(ctx, p, f.values); w != "" {
			warnings = append(warnings, w)
		}
	}
	return f.values, warnings, nil
}

// match adds every record matching p to values, from one `traffic_ctl
// metric match`, anchored (its regular expressions are not); what went
// wrong is a warning, not the whole Fetch's failure.
func (s *TrafficCtlSource) match(ctx context.Context, p metrics.Pattern, values map[string]metrics.Sample) string {
	run := s.Run
	if run == nil {
		run = collect.ExecRunner
	}
	out, err := runGuarded(ctx, run, []string{s.bin(), "metric", "match", "^" + collect.PatternRegex(p) + "$"})
	if err != nil {
		return collect.Sanitize(p.String(), 120) + ": " + collect.Sanitize(s.commandErrorAs(collect.Sanitize(s.bin(), 200)+" metric match", err).Error(), 200)
	}
	maxOut := s.MaxOutputBytes
	if maxOut <= 0 {
		maxOut = DefaultMaxCtlOutputBytes
	}
	if int64(len(out)) > maxOut {
		return collect.Sanitize(p.String(), 120) + ": traffic_ctl metric match output too large"
	}
	for _, line := range strings.Split(string(out), "\n") {
		name, value, ok := ParseTrafficCtlLine(strings.TrimRight(line, "\r"))
		if !ok {
			continue
		}
		if _, ok := p.Match(name); !ok {
			continue
		}
		if v, ok := ParseTrafficCtlValue(value); ok {
			values[name] = v
		}
	}
	return ""
}

// ctlFetch is one Fetch under way.
type ctlFetch struct {
	keys     []string
	states   []*ctlKey
	values   map[string]metrics.Sample
	warnBy   map[string]string // per key, in the order of keys
	invalid  []string
	now      time.Time
	budget   time.Duration
	foreign  int    // lines that were none of the records asked for
	foreign1 string // the first of them
	// tried holds the names asked for in this Fetch: a key never goes
	// back to a name that already failed, so the rounds end.
	tried map[string]bool
}

// ctlRound is what one round of commands said of each name it asked for.
type ctlRound struct {
	outcome map[string]ctlOutcome
	samples map[string]metrics.Sample
	bad     map[string]string
}

// plan works out, for every key, the names to ask for: the name that
// answered last time, the key itself, its aliases; names remembered as
// absent are skipped, invalid ones are warnings.
func (s *TrafficCtlSource) plan(keys []string) *ctlFetch {
	f := &ctlFetch{keys: keys, values: make(map[string]metrics.Sample, len(keys)), warnBy: map[string]string{},
		now: s.clock(), tried: map[string]bool{}}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range keys {
		if !validRecordName(k) {
			f.invalid = append(f.invalid, "invalid record name: "+strconv.Quote(collect.Sanitize(k, 120)))
			continue
		}
		var cands []string
		if a, ok := s.resolved[k]; ok {
			cands = append(cands, a)
		}
		cands = append(cands, k)
		cands = append(cands, RecordAliases(k)...)
		ks := &ctlKey{key: k, cands: collect.Dedupe(cands), next: -1}
		if !s.advanceLocked(ks, f.now, nil) {
			f.warnBy[k] = "record not found: " + collect.Sanitize(k, 120)
		}
		f.states = append(f.states, ks)
	}
	return f
}

// pending lists the names still to ask for, each once.
func (f *ctlFetch) pending() []string {
	var names []string
	seen := make(map[string]bool)
	for _, ks := range f.states {
		if ks.done {
			continue
		}
		if w := ks.wire(); !seen[w] {
			seen[w] = true
			names = append(names, w)
		}
	}
	return names
}

// round runs `traffic_ctl metric get` for names, in as many commands as
// the command line needs, and says what each name gave. 9.x's stop at an
// unknown name is an outcome (that name absent, the rest not attempted),
// not an error.
func (s *TrafficCtlSource) round(ctx context.Context, f *ctlFetch, names []string) (ctlRound, error) {
	run := s.Run
	if run == nil {
		run = collect.ExecRunner
	}
	maxOut := s.MaxOutputBytes
	if maxOut <= 0 {
		maxOut = DefaultMaxCtlOutputBytes
	}
	r := ctlRound{outcome: make(map[string]ctlOutcome, len(names)), samples: make(map[string]metrics.Sample, len(names)), bad: map[string]string{}}
	for _, chunk := range chunkCtlNames(s.bin(), names) {
		if ctx.Err() != nil { // do not start a command that cannot finish
			return r, s.timeoutError(ctx, ctx.Err(), f.budget, 0)
		}
		argv := append([]string{s.bin(), "metric", "get"}, chunk...)
		out, runErr := runGuarded(ctx, run, argv)
		if runErr != nil && (ctx.Err() != nil || collect.IsTimeout(runErr)) {
			return r, s.timeoutError(ctx, runErr, f.budget, len(out))
		}
		if int64(len(out)) > maxOut {
			return r, collect.NewError(collect.ErrTooLarge, nil, "%s: output larger than %s", s.what(), collect.FormatBytes(maxOut))
		}
		accept := make(map[string]bool, len(chunk))
		for _, n := range chunk {
			accept[n] = true
		}
		p := parseCtlLines(out, accept)
		attempted := chunk
		if runErr != nil {
			failed, ok := unknownRecordFailure(runErr, chunk)
			if !ok {
				return r, s.commandError(runErr)
			}
			i := slices.Index(chunk, failed)
			attempted = chunk[:i]
			r.outcome[failed] = ctlAbsent
			f.tried[failed] = true
			s.markAbsent(failed, f.now)
			for _, n := range chunk[i+1:] {
				r.outcome[n] = ctlNotAttempted
			}
		} else if p.recognized == 0 && p.foreign > 0 {
			return r, collect.NewError(collect.ErrMalformed, nil, "%s: unexpected output at line %d: %s (expected \"name value\" lines for the requested records)",
				s.what(), p.firstForeignLine, p.firstForeign)
		}
		if p.foreign > 0 {
			if f.foreign == 0 {
				f.foreign1 = fmt.Sprintf("line %d: %s", p.firstForeignLine, p.firstForeign)
			}
			f.foreign += p.foreign
		}
		for _, n := range attempted {
			f.tried[n] = true
			switch {
			case p.bad[n] != "":
				r.outcome[n], r.bad[n] = ctlBad, p.bad[n]
			case p.has(n):
				r.outcome[n], r.samples[n] = ctlFound, p.values[n]
			default:
				r.outcome[n] = ctlAbsent
			}
		}
	}
	return r, nil
}

// apply moves every key on by what the round said of its name: found (a
// value, and the name remembered), unusable (a warning), not attempted
// (asked again), absent (its next name, or a warning when none is left).
func (s *TrafficCtlSource) apply(f *ctlFetch, r ctlRound) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ks := range f.states {
		if ks.done {
			continue
		}
		w := ks.wire()
		switch r.outcome[w] {
		case ctlFound:
			f.values[ks.key] = r.samples[w]
			ks.done = true
			s.rememberLocked(ks.key, w)
		case ctlBad:
			f.warnBy[ks.key] = r.bad[w]
			ks.done = true
		case ctlNotAttempted:
			// asked for again in the next round
		case ctlAbsent:
			if s.resolved[ks.key] == w {
				delete(s.resolved, ks.key) // host upgraded (or downgraded) under us
			}
			if !s.advanceLocked(ks, f.now, f.tried) {
				f.warnBy[ks.key] = "record not found: " + collect.Sanitize(ks.key, 120)
			}
		}
	}
}

// warnings are the Fetch's warnings: invalid names, then per key in the
// order asked, then the lines that were none of the records.
func (f *ctlFetch) warnings() []string {
	var out []string
	out = append(out, f.invalid...)
	for _, k := range f.keys {
		if w, ok := f.warnBy[k]; ok {
			out = append(out, w)
		}
	}
	if f.foreign > 0 {
		out = append(out, foreignWarning(f.foreign, f.foreign1))
	}
	return out
}

// advanceLocked moves ks to its next name that is neither tried in this
// Fetch nor remembered as absent. It returns false, and marks ks done,
// when none is left. s.mu must be held.
func (s *TrafficCtlSource) advanceLocked(ks *ctlKey, now time.Time, tried map[string]bool) bool {
	for ks.next++; ks.next < len(ks.cands); ks.next++ {
		c := ks.cands[ks.next]
		if tried[c] {
			continue
		}
		if until, ok := s.absent[c]; ok && now.Before(until) {
			continue
		}
		return true
	}
	ks.next = len(ks.cands) - 1 // keep wire() valid
	ks.done = true
	return false
}

// rememberLocked records which name answered for key. s.mu must be held.
func (s *TrafficCtlSource) rememberLocked(key, wire string) {
	if wire == key {
		delete(s.resolved, key)
		return
	}
	if s.resolved == nil {
		s.resolved = make(map[string]string)
	}
	s.resolved[key] = wire
}

func (s *TrafficCtlSource) markAbsent(name string, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.absent == nil {
		s.absent = make(map[string]time.Time)
	}
	for n, until := range s.absent { // keep the map bounded by live entries
		if !now.Before(until) {
			delete(s.absent, n)
		}
	}
	s.absent[name] = now.Add(ctlAbsentTTL)
}

// what names the command in messages: "traffic_ctl metric get".
func (s *TrafficCtlSource) what() string { return collect.Sanitize(s.bin(), 200) + " metric get" }

func (s *TrafficCtlSource) timeoutError(ctx context.Context, cause error, budget time.Duration, got int) error {
	if errors.Is(ctx.Err(), context.Canceled) {
		return collect.NewError(collect.ErrTimeout, ctx.Err(), "%s: cancelled", s.what())
	}
	if cause == nil || !collect.IsTimeout(cause) {
		cause = context.DeadlineExceeded
	}
	if got > 0 {
		return collect.NewError(collect.ErrTimeout, cause, "%s: incomplete output within %s (%d bytes received)", s.what(), collect.RoundDuration(budget), got)
	}
	return collect.NewError(collect.ErrTimeout, cause, "%s: no answer within %s", s.what(), collect.RoundDuration(budget))
}

// commandError turns a failed traffic_ctl run into an ErrConnect error
// that keeps traffic_ctl's (or the shell's) own words and adds what to do.
func (s *TrafficCtlSource) commandError(err error) error {
	return s.commandErrorAs(s.what(), err)
}

// commandErrorAs is commandError for a command described as what
// ("/usr/bin/traffic_ctl metric match").
func (s *TrafficCtlSource) commandErrorAs(what string, err error) error {
	msg := collect.Sanitize(err.Error(), 300)
	lower := strings.ToLower(msg)
	code, haveCode := exitCode(err)
	bin := collect.Sanitize(s.bin(), 200)
	switch {
	case errors.Is(err, exec.ErrNotFound), errors.Is(err, fs.ErrNotExist),
		haveCode && code == 127, strings.Contains(lower, "command not found"):
		// exec.ErrNotFound: not in PATH here; fs.ErrNotExist: a path that
		// does not exist; 127: the remote shell found no such command.
		return collect.NewError(collect.ErrConnect, err, "%s: %s (%s not found: is Traffic Server installed on this host? give the full path to traffic_ctl)",
			what, msg, bin)
	case errors.Is(err, fs.ErrPermission), haveCode && code == 126:
		return collect.NewError(collect.ErrConnect, err, "%s: %s (cannot execute %s: check its permissions)", what, msg, bin)
	case strings.Contains(lower, "permission denied") || strings.Contains(msg, "[13]"):
		// 9.x TS_ERR_PERMISSION_DENIED, or 10.x unable to open the socket.
		return collect.NewError(collect.ErrConnect, err, "%s: %s (run as the Traffic Server user or root)", what, msg)
	case haveCode && code == 2:
		// CTRL_EX_ERROR: traffic_ctl ran but could not talk to the server
		// (9.x "[5] Error establishing socket connection.", 10.x "Error
		// found:" followed by the RPC error on the next line).
		return collect.NewError(collect.ErrConnect, err, "%s: %s (is traffic_server running?)", what, msg)
	}
	return collect.NewError(collect.ErrConnect, err, "%s: %s", what, msg)
}

var exitStatusRe = regexp.MustCompile(`(?i)\bexit(?:ed with)? status (\d{1,3})\b`)

// exitCode finds a command's exit status in err: *exec.ExitError locally,
// an ExitStatus method (golang.org/x/crypto/ssh.ExitError), else the text
// "exit status N" / "Process exited with status N".
func exitCode(err error) (int, bool) {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if c := ee.ExitCode(); c >= 0 {
			return c, true
		}
		return 0, false // killed by a signal
	}
	var es interface{ ExitStatus() int }
	if errors.As(err, &es) {
		return es.ExitStatus(), true
	}
	if m := exitStatusRe.FindStringSubmatch(err.Error()); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n, true
	}
	return 0, false
}

// unknownRecordFailure recognises 9.x traffic_ctl stopping at an unknown
// record: "Traffic Server: failed to fetch NAME: [11] Invalid parameters
// passed into function call." (traffic_manager's handle_record_get answers
// TS_ERR_PARAMS when RecLookupRecord finds no such record). NAME must be
// one of names. Other codes ([5] cannot connect, ...) are request errors.
func unknownRecordFailure(err error, names []string) (string, bool) {
	const marker = "failed to fetch "
	msg := err.Error()
	i := strings.Index(msg, marker)
	if i < 0 {
		return "", false
	}
	rest := msg[i+len(marker):]
	best := ""
	for _, n := range names {
		if strings.HasPrefix(rest, n+": [11]") && len(n) > len(best) {
			best = n
		}
	}
	return best, best != ""
}

// runGuardGrace is how long runGuarded waits for a runner once ctx ends.
const runGuardGrace = 20 * time.Millisecond

// runGuarded calls run and returns its result, or ctx's error shortly after
// ctx ends even if run has not returned (a runner must honour ctx, but an
// SSH channel that hangs on close must not hang the dashboard). An
// abandoned call finishes in the background; its result is dropped.
//
// When ctx ends, a runner that honours it returns within a few ms (killed
// process, closed channel), with whatever output it got: runGuardGrace
// waits that long for it, so that an answer completed at the deadline is
// used and a timeout message can say how much output came.
func runGuarded(ctx context.Context, run collect.CommandRunner, argv []string) ([]byte, error) {
	type result struct {
		out []byte
		err error
	}
	ch := make(chan result, 1)
	go func() {
		out, err := run(ctx, argv)
		ch <- result{out, err}
	}()
	select {
	case r := <-ch:
		return r.out, r.err
	case <-ctx.Done():
		t := time.NewTimer(runGuardGrace)
		defer t.Stop()
		select {
		case r := <-ch:
			return r.out, r.err
		case <-t.C:
			return nil, ctx.Err()
		}
	}
}

// chunkCtlNames splits names so that each command line stays under
// maxCtlArgvBytes, counting every name as if a runner had to quote it for
// a POSIX shell: two quotes and a space per name, plus three bytes for
// each single quote inside (written as quote, backslash, quote, quote).
func chunkCtlNames(bin string, names []string) [][]string {
	return collect.ChunkBySize(names, 2*len(bin)+64, maxCtlArgvBytes, func(n string) int { return len(n) + 3 + 3*strings.Count(n, "'") })
}

// validRecordName accepts what can be passed to traffic_ctl as a record
// name: no whitespace or control characters (traffic_ctl prints "name
// value", so a name with a space could never be matched), valid UTF-8, and
// no leading '-' (traffic_ctl would take it for an option).
func validRecordName(k string) bool {
	if k == "" || k[0] == '-' || len(k) > 4096 || !utf8.ValidString(k) {
		return false
	}
	for _, r := range k {
		if r <= ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x2028 || r == 0x2029 {
			return false
		}
	}
	return true
}

// recordLike tells a line about some other record ("proxy.process.foo 1",
// in `metric match` output) from a line that is no record at all ("Welcome
// to edge1", "Last login: ...", "rc=0", JSON): record names start with a
// letter, have at least one dot, and contain no quotes, brackets, braces,
// '$', '=' or ':' directly before the end.
func recordLike(name string) bool {
	if len(name) < 3 || !(name[0] >= 'a' && name[0] <= 'z' || name[0] >= 'A' && name[0] <= 'Z') ||
		!strings.Contains(name, ".") || strings.HasSuffix(name, ":") {
		return false
	}
	return !strings.ContainsAny(name, "\"'{}[]$=<>`") && validRecordName(name)
}
