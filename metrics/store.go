package metrics

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// MetricDef is what the store needs to know about one metric of a
// dashboard; it mirrors the config package's Metric without importing it.
type MetricDef struct {
	Name            string
	Type            Type
	Key, Key2, Unit string
	// Expr is the parsed expression of an expression metric (TypeExpr).
	Expr Compiled
}

// Compiled is a parsed expression (package metrics/expr): it makes one
// derivation per host, and says which records it reads.
type Compiled interface {
	New() Derivation
	Records() []string
	// Bind is the expression with every wildcard of its inputs replaced
	// by capture: one member of a family (see family.go).
	Bind(capture string) (Compiled, error)
	// Identity is the same for two expressions exactly when they derive
	// the same values (their text and inputs).
	Identity() string
}

// derives is what the values of d's series depend on: two metrics that
// derive alike (the same chart on two pages, under two names) share one
// series per host. Its name and the panel it is on are not part of it.
func (d *MetricDef) derives() string {
	id := ""
	if d.Expr != nil {
		id = d.Expr.Identity()
	}
	return fmt.Sprintf("%s\x00%s\x00%s\x00%s\x00%s", d.Type, d.Key, d.Key2, d.Unit, id)
}

// Series is one metric of one host: its derivation and its history.
type Series struct {
	// Def is shared by the series of every host (never changed).
	Def  *MetricDef
	Hist *History
	// Abs is the history of the raw record itself, for counters only (nil
	// otherwise): their absolute count, which traffic_top users read next
	// to the rate (see absolute.go).
	Abs *History
	// Obs is a quantile metric's bucket increases (nil for the others):
	// its window's quantiles over every observation (observations.go).
	Obs *Observations

	unit   Unit
	der    Derivation
	last   float64
	lastOK bool
	lastT  time.Time // the latest snapshot's time: how old last and abs are
	// failedAt is when the host's latest failed fetch was: after lastT,
	// the values are the host's last ones, not what it says now.
	failedAt time.Time
	abs      float64
	absOK    bool
	// records are what the derivation reads; missing says the latest
	// snapshot lacked one of them (the server has no such record).
	records []string
	missing bool
	// answered is set by the first snapshot since the series began or
	// its host was reset: a derivation without a value after it is
	// waiting for the server's next update, not for the server.
	answered bool
	// family holds the members of a family metric (a wildcard record);
	// nil for a plain one.
	family *family
	// window and interval shape the histories, made with their first
	// point (keep).
	window, interval time.Duration
}

// newSeries starts the series of one host for d: a family's, when d reads
// a record with a wildcard, else a plain one with its own derivation.
func newSeries(d *MetricDef, window, interval time.Duration) (*Series, error) {
	if err := d.CheckPatterns(); err != nil {
		return nil, err
	}
	if p, ok := d.Pattern(); ok {
		// The members' derivations are built as they appear; check now
		// that one can be, so a bad metric fails at the start.
		if _, err := d.Derivation(); err != nil {
			return nil, err
		}
		return &Series{Def: d, Hist: emptyHistory, unit: d.DisplayUnit(), records: d.Records(), family: newFamily(p, window, interval)}, nil
	}
	return newPlainSeries(d, window, interval)
}

// newPlainSeries starts a series with its own derivation: a plain
// metric's, or one member of a family (whose records are bound, whatever
// they look like).
func newPlainSeries(d *MetricDef, window, interval time.Duration) (*Series, error) {
	der, err := d.Derivation()
	if err != nil {
		return nil, err
	}
	info, _ := LookupType(d.Type) // Derivation checked it
	// The histories are made with their first point (keep): a fleet's
	// hosts off the pages are asked a few records, and the series of the
	// rest hold nothing for as long.
	sr := &Series{Def: d, Hist: emptyHistory, unit: d.DisplayUnit(), der: der, records: d.Records(), window: window, interval: interval}
	if info.Absolute && len(sr.records) > 0 && sr.records[0] == d.Key {
		sr.Abs = emptyHistory // kept from the sample observe finds first
	}
	if _, ok := der.(bucketIncreaser); ok {
		sr.Obs = newObservations(window, interval)
	}
	return sr, nil
}

// Latest returns what the most recent Observe derived. ok is false before
// any snapshot, when that snapshot gave no value (warming up, no
// transactions, key missing) and after the host was reset: a readout should
// show NoValue then rather than a number that is no longer current. The
// history still has the older points.
func (s *Series) Latest() (float64, bool) { return s.last, s.lastOK }

// LatestAt is Latest with the time of the snapshot it came from: an
// export emits a point when a snapshot of that time gave one.
func (s *Series) LatestAt() (float64, time.Time, bool) { return s.last, s.lastT, s.lastOK }

func (s *Series) observe(snap Snapshot) {
	if s.family != nil {
		s.observeFamily(snap, nil)
		return
	}
	present := 0
	var first Sample // the first record's: the only one, for most series
	firstOK := false
	for i, r := range s.records {
		if smp, ok := snap.Values[r]; ok {
			present++
			if i == 0 {
				first, firstOK = smp, true
			}
		}
	}
	if present == 0 && len(s.records) > 0 && s.answered && s.missing && !s.lastOK && !s.absOK {
		// None of its records, again: observing would leave it exactly
		// as it is (every derivation keeps its baseline through a gap).
		// A fleet's hosts off the pages are not asked most records
		// (collect.Collector.Brief); this spares deriving each of them
		// every tick.
		return
	}
	s.missing = present < len(s.records)
	s.answered = true
	if one, isOne := s.der.(oneRecord); isOne && len(s.records) == 1 && one.record() == s.records[0] {
		s.last, s.lastOK = one.observeSample(snap.Time, first, firstOK)
	} else {
		s.last, s.lastOK = s.der.Observe(snap)
	}
	s.lastT = snap.Time
	if s.lastOK {
		s.keep(&s.Hist, Point{T: snap.Time, V: s.last})
	}
	if s.Obs != nil {
		if inc := s.der.(bucketIncreaser).increase(); inc != nil {
			s.Obs.add(snap.Time, inc)
		}
	}
	s.observeAbsolute(snap.Time, first, firstOK) // its key's (newPlainSeries)
}

// keep adds p to the history *h, made now if it is still the shared
// empty one.
func (s *Series) keep(h **History, p Point) {
	if *h == emptyHistory {
		*h = NewDownsampledHistory(s.window, s.interval)
	}
	(*h).Add(p)
}

// Missing says the host's latest answer lacked a record the series reads:
// the server has no such record (a 10.x record on 9.x), or gave it as
// something other than a number.
func (s *Series) Missing() bool { return s.missing }

// Store holds every series of a dashboard for a set of hosts. It is not safe
// for concurrent use; the UI loop owns it.
type Store struct {
	hosts, metrics int
	// Metrics that derive alike (MetricDef.derives) share a series: metric
	// i of host h is series[h*perHost+slot[i]]. A dashboard shows a
	// quarter of its metrics on more than one page.
	slot     []int
	perHost  int
	series   []Series
	window   time.Duration
	events   [][]Event // per host (MarkEvent)
	families bool      // a metric is a family
	names    []string  // the last snapshot's record names, sorted (Observe)
	// A view (View) reads some of base's hosts: its host h is base's
	// of[h]. It has no series of its own.
	base *Store
	of   []int
}

// View is a store of some of s's hosts, in the order given: what a page
// showing only those hosts reads. It shares s's series, so it is always
// as current as s; feeding either feeds s. Indexes out of range are left
// out.
func (s *Store) View(hosts []int) *Store {
	root := s
	var of []int
	for _, h := range hosts {
		if h < 0 || h >= s.hosts {
			continue
		}
		if s.base != nil {
			root, h = s.base, s.of[h]
		}
		of = append(of, h)
	}
	return &Store{hosts: len(of), metrics: s.metrics, window: s.window, families: s.families, base: root, of: of}
}

// Base is the store a view reads (itself, if it is not a view).
func (s *Store) Base() *Store {
	if s.base != nil {
		return s.base
	}
	return s
}

// BaseHost is host h's index in Base.
func (s *Store) BaseHost(h int) int {
	if s.base != nil && h >= 0 && h < len(s.of) {
		return s.of[h]
	}
	return h
}

// NewStore builds a store where metric i of defs for host h is
// Series(h, i). Each history keeps window's worth of points at the given
// poll interval, plus a few for late or extra snapshots: the last 10
// minutes point by point, older ones downsampled (see History).
func NewStore(hosts int, defs []MetricDef, window, interval time.Duration) (*Store, error) {
	if hosts < 1 {
		return nil, fmt.Errorf("store needs at least one host, got %d", hosts)
	}
	if window <= 0 || interval <= 0 {
		return nil, errors.New("store window and interval must be positive")
	}
	st := &Store{hosts: hosts, metrics: len(defs), slot: make([]int, len(defs)), window: window, events: make([][]Event, hosts)}
	// One copy of the definitions, which every host's series point to:
	// of each set that derive alike, the first.
	var shared []MetricDef
	first := map[string]int{}
	for i, d := range defs {
		k := d.derives()
		j, ok := first[k]
		if !ok {
			j = len(shared)
			first[k] = j
			shared = append(shared, d)
		}
		st.slot[i] = j
	}
	st.perHost = len(shared)
	st.series = make([]Series, hosts*len(shared))
	// Derivations are built per host: they hold that host's baselines.
	for h := range hosts {
		for j := range shared {
			d := &shared[j]
			sr, err := newSeries(d, window, interval)
			if err != nil {
				return nil, fmt.Errorf("metric %d (%s): %w", slices.Index(st.slot, j), d.Name, err)
			}
			st.series[h*len(shared)+j] = *sr
			st.families = st.families || sr.family != nil
		}
	}
	return st, nil
}

// Observe feeds snap to every series of host. Values a derivation does not
// give (ok=false) leave a gap in the history rather than a fake point.
func (s *Store) Observe(host int, snap Snapshot) {
	if s.base != nil {
		if host >= 0 && host < s.hosts {
			s.base.Observe(s.of[host], snap)
		}
		return
	}
	restarted := false
	// The families find their matches in the snapshot's names, sorted
	// once, rather than each walking the whole map.
	if s.families && !s.sameNames(snap) {
		s.names = s.names[:0]
		for name := range snap.Values {
			s.names = append(s.names, name)
		}
		slices.Sort(s.names)
	}
	all := s.hostSeries(host)
	for i := range all {
		sr := &all[i]
		before, had := sr.abs, sr.absOK
		if sr.family != nil {
			sr.observeFamily(snap, s.names)
		} else {
			sr.observe(snap)
		}
		// A counter that went down began again: the server restarted.
		restarted = restarted || had && sr.absOK && sr.abs < before
	}
	if restarted {
		s.MarkEvent(host, snap.Time, EventReset)
	}
}

// sameNames says the snapshot has the record names of the last one
// sorted (the usual case: a host gives the same records every time),
// which is far cheaper to check than to sort them again.
func (s *Store) sameNames(snap Snapshot) bool {
	if s.names == nil || len(s.names) != len(snap.Values) {
		return false
	}
	for _, n := range s.names {
		if _, ok := snap.Values[n]; !ok {
			return false
		}
	}
	return true
}

// Failed records that a fetch from host failed at t: until a later
// snapshot, its values are not current (Shown.Current says stale),
// however young.
func (s *Store) Failed(host int, t time.Time) {
	if s.base != nil {
		if host >= 0 && host < len(s.of) {
			s.base.Failed(s.of[host], t)
		}
		return
	}
	if host < 0 || host >= s.hosts {
		return
	}
	all := s.hostSeries(host)
	for i := range all {
		all[i].fail(t)
	}
}

func (s *Series) fail(t time.Time) {
	s.failedAt = t
	if s.family != nil {
		for _, m := range s.family.members {
			m.fail(t)
		}
	}
}

// ResetHost forgets the derivation baselines of host, keeping its
// histories; call it after a reconnect so the first snapshot does not turn
// the outage into a spike.
func (s *Store) ResetHost(host int) {
	all := s.hostSeries(s.BaseHost(host))
	for i := range all {
		all[i].reset()
	}
}

func (s *Series) reset() {
	if s.der != nil {
		s.der.Reset()
	}
	s.last, s.lastOK = 0, false
	s.abs, s.absOK = 0, false
	s.answered = false
	if s.family != nil {
		for _, m := range s.family.members {
			m.reset()
		}
	}
}

// Series returns metric of host. It panics on indexes out of range.
func (s *Store) Series(host, metric int) *Series {
	if host < 0 || host >= s.hosts || metric < 0 || metric >= s.metrics {
		panic(fmt.Sprintf("metrics: Store.Series(%d, %d) out of range (%d hosts, %d metrics)", host, metric, s.hosts, s.metrics))
	}
	if s.base != nil {
		return s.base.Series(s.of[host], metric)
	}
	return &s.series[host*s.perHost+s.slot[metric]]
}

// hostSeries is every series of host in the base store (host is its index
// there), each once however many metrics share it.
func (s *Store) hostSeries(host int) []Series {
	b := s.Base()
	return b.series[host*b.perHost : (host+1)*b.perHost]
}

// Hosts is the number of hosts.
func (s *Store) Hosts() int { return s.hosts }

// Metrics is the number of metrics per host.
func (s *Store) Metrics() int { return s.metrics }

// Oldest is the time of the oldest point any series keeps: how far back a
// paused view can scroll.
func (s *Store) Oldest() (time.Time, bool) {
	var oldest time.Time
	found := false
	var visit func(sr *Series)
	visit = func(sr *Series) {
		for _, h := range []*History{sr.Hist, sr.Abs} {
			if h == nil {
				continue
			}
			if t, ok := h.Oldest(); ok && (!found || t.Before(oldest)) {
				oldest, found = t, true
			}
		}
		if sr.family != nil {
			for _, m := range sr.family.members {
				visit(m)
			}
		}
	}
	for h := range s.hosts {
		all := s.hostSeries(s.BaseHost(h))
		for i := range all {
			visit(&all[i])
		}
	}
	return oldest, found
}
