package metrics

import (
	"slices"
	"sort"
	"strings"
	"time"
)

// A metric whose record has a wildcard (plugin.remap_stats.*.status_5xx)
// is a family: one member series per match, named by what the wildcard
// matched. Members appear when a snapshot first has a match (a new remap
// rule, a new origin) and age out once nothing has matched them for the
// store's whole history window, when they have no point left to show.
// The family's own series (the one Store.Series returns) holds no values:
// views ask Store.Lines, which expands families.

// MaxFamilyMembers bounds the members one family keeps per host: a
// pattern that matches thousands of records (per-origin records of a
// busy forward proxy) must not grow the store without limit. Matches
// beyond it are counted (Family.Untracked) and said in the panel.
const MaxFamilyMembers = 200

// family is the members of one family metric of one host.
type family struct {
	pattern Pattern
	members map[string]*Series
	names   []string // sorted
	seen    map[string]time.Time
	// untracked is how many matches of the latest snapshot were not kept
	// (MaxFamilyMembers).
	untracked int
	window    time.Duration
	interval  time.Duration
	captures  []string // the latest snapshot's, reused
}

func newFamily(p Pattern, window, interval time.Duration) *family {
	return &family{pattern: p, members: map[string]*Series{}, seen: map[string]time.Time{}, window: window, interval: interval}
}

// observeFamily feeds snap to every member of the family, after adding the
// members its matches name and dropping those unmatched for the whole
// window.
// names, when not nil, are the snapshot's record names sorted: the
// matches are then found by the pattern's prefix.
func (s *Series) observeFamily(snap Snapshot, names []string) {
	f := s.family
	captures := f.captures[:0]
	if names != nil {
		for i := sort.SearchStrings(names, f.pattern.prefix); i < len(names) && strings.HasPrefix(names[i], f.pattern.prefix); i++ {
			if c, ok := f.pattern.Match(names[i]); ok {
				captures = append(captures, c)
			}
		}
	} else {
		for name := range snap.Values {
			if c, ok := f.pattern.Match(name); ok {
				captures = append(captures, c)
			}
		}
	}
	// By name, so that which members a full family keeps does not depend
	// on the order a map yields them.
	sort.Strings(captures)
	captures = outermost(captures)
	f.captures = captures
	matched, untracked := len(captures), 0
	for _, c := range captures {
		if f.members[c] == nil && !s.addMember(c) {
			untracked++
			continue
		}
		f.seen[c] = snap.Time
	}
	f.untracked = untracked
	ok := false
	kept := f.names[:0]
	for _, c := range f.names {
		m := f.members[c]
		if snap.Time.Sub(f.seen[c]) > f.window {
			delete(f.members, c)
			delete(f.seen, c)
			continue
		}
		kept = append(kept, c)
		m.observe(snap)
		ok = ok || m.lastOK
	}
	f.names = kept
	s.missing = matched == 0
	s.answered = true
	s.lastT = snap.Time
	s.lastOK = ok
}

// outermost leaves out the captures that are another capture, a dot and
// more: the * matches dots (remap rules and origins are host names), so
// proxy.process.cache.volume_*.bytes_used also matches a real 10.2's
// volume_0.ram_cache.bytes_used, capturing "0.ram_cache", a record deeper
// under volume 0 rather than a volume of its own. The price: of two remap
// rules named cdn and cdn.example.com, only cdn is kept. captures must
// be sorted; what is kept, in place, is too. A capture's prefix sorts
// before it, and one left out has a shorter prefix that was kept, so the
// kept ones so far are all it is looked up in (no set made every tick).
func outermost(captures []string) []string {
	out := captures[:0]
	for _, c := range captures {
		deeper := false
		for i := 1; i < len(c) && !deeper; i++ {
			if c[i] == '.' {
				_, deeper = slices.BinarySearch(out, c[:i])
			}
		}
		if !deeper {
			out = append(out, c)
		}
	}
	return out
}

// addMember starts the member named c, if the family has room for it.
func (s *Series) addMember(c string) bool {
	f := s.family
	if len(f.members) >= MaxFamilyMembers {
		return false
	}
	def, err := s.Def.Bind(c)
	if err != nil {
		return false
	}
	m, err := newPlainSeries(&def, f.window, f.interval)
	if err != nil {
		return false
	}
	f.members[c] = m
	i := sort.SearchStrings(f.names, c)
	f.names = append(f.names, "")
	copy(f.names[i+1:], f.names[i:])
	f.names[i] = c
	return true
}

// IsFamily says whether the series is a family's (its record has a
// wildcard); its values are then in its members.
func (s *Series) IsFamily() bool { return s.family != nil }

// Members are the family's members by name, sorted (nil for a plain
// series).
func (s *Series) Members() []string {
	if s.family == nil {
		return nil
	}
	return s.family.names
}

// Member is the family's member named c, or nil.
func (s *Series) Member(c string) *Series {
	if s.family == nil {
		return nil
	}
	return s.family.members[c]
}

// Untracked is how many matches of the latest snapshot the family did not
// keep (MaxFamilyMembers).
func (s *Series) Untracked() int {
	if s.family == nil {
		return 0
	}
	return s.family.untracked
}

// Order is how a family's members are ranked.
type Order int

const (
	OrderMean    Order = iota // the window's mean, largest first
	OrderCurrent              // the value now, largest first
	OrderName                 // by name
)

// Orders are the orders a table cycles through, in key order.
var Orders = []Order{OrderMean, OrderCurrent, OrderName}

func (o Order) String() string {
	switch o {
	case OrderCurrent:
		return "current value"
	case OrderName:
		return "name"
	}
	return "window mean"
}

// Line is one line of a panel for every host: a plain metric, one member
// of a family, or the rest of a family taken together.
type Line struct {
	// Member is the member's name ("" for a plain metric); Rest > 0 says
	// the line stands for that many members not shown one by one (their
	// sum, or for units that do not add up, their mean).
	Member string
	Rest   int
	Hosts  []Shown // per host
	// Series are the hosts' series of the line (nil where a host lacks
	// the member, and for the rest), for what Shown does not carry.
	Series []*Series
}

// Lines are what a view of metric shows over span: for a plain metric one
// line; for a family one per member in order, the first top of them (top
// <= 0: all) and then, if two or more are left, one line for the rest. A member
// a host lacks is an empty line there. Members with nothing to show in the
// span are left out.
func (s *Store) Lines(metric int, span Span, top int, order Order) []Line {
	head := s.Series(0, metric)
	plain := func() []Line {
		l := Line{Hosts: make([]Shown, s.hosts), Series: make([]*Series, s.hosts)}
		for h := range s.hosts {
			l.Series[h] = s.Series(h, metric)
			l.Hosts[h] = l.Series[h].Shown(span.Absolute)
		}
		return []Line{l}
	}
	if !head.IsFamily() {
		return plain()
	}
	type ranked struct {
		line Line
		key  float64
	}
	byName := map[string]*ranked{}
	var all []*ranked
	for h := range s.hosts {
		fam := s.Series(h, metric)
		for _, c := range fam.Members() {
			m := fam.Member(c)
			shown := m.Shown(span.Absolute)
			mean, n := shown.Hist.mean(span.Start(), span.End)
			cur, curOK := shown.Latest()
			if span.Paused {
				cur, curOK = shown.Hist.ValueAt(span.Cursor, 0)
			}
			if n == 0 && !curOK && !shown.Waiting {
				continue
			}
			r := byName[c]
			if r == nil {
				r = &ranked{line: Line{Member: c, Hosts: make([]Shown, s.hosts), Series: make([]*Series, s.hosts)}}
				for i := range r.line.Hosts {
					r.line.Hosts[i] = Shown{Hist: emptyHistory, Unit: shown.Unit, Rate: shown.Rate, Absolute: shown.Absolute}
				}
				byName[c] = r
				all = append(all, r)
			}
			r.line.Hosts[h], r.line.Series[h] = shown, m
			switch order {
			case OrderMean:
				r.key += mean
			case OrderCurrent:
				if curOK {
					r.key += cur
				}
			}
		}
	}
	sort.SliceStable(all, func(i, j int) bool {
		if order != OrderName && all[i].key != all[j].key {
			return all[i].key > all[j].key
		}
		return all[i].line.Member < all[j].line.Member
	})
	if len(all) == 0 {
		// Nothing matched yet (or ever): the family's own series say
		// whether the server lacks the records or is still to answer.
		return plain()
	}
	// The rest is one line when two or more are left: one left is
	// drawn as itself in the same space.
	if top <= 0 || len(all) <= top+1 {
		top = len(all)
	}
	out := make([]Line, 0, top+1)
	for _, r := range all[:top] {
		out = append(out, r.line)
	}
	if len(all) > top {
		rest := make([]Line, 0, len(all)-top)
		for _, r := range all[top:] {
			rest = append(rest, r.line)
		}
		out = append(out, restLine(rest, span, s.hosts))
	}
	return out
}

// emptyHistory is what a host without a member draws: nothing.
var emptyHistory = NewHistory(time.Second, 1)

// restLine takes members together: per host and per instant, their sum or,
// for units that do not add up (percentages, latencies), their mean.
func restLine(rest []Line, span Span, hosts int) Line {
	l := Line{Rest: len(rest), Hosts: make([]Shown, hosts), Series: make([]*Series, hosts)}
	for h := range hosts {
		unit := rest[0].Hosts[h].Unit
		mean := !unit.Additive()
		// Sum and count per instant, keyed by its nanoseconds: a
		// time.Time key hashes as a struct, several times slower.
		acc := map[int64]*[2]float64{}
		var times []int64
		var latest, n float64
		var at time.Time
		ok, missing, waiting, failed := false, true, false, false
		for _, r := range rest {
			sh := r.Hosts[h]
			sh.Hist.eachInWindow(span.Start(), span.End, func(k int64, v float64) {
				a := acc[k]
				if a == nil {
					a = new([2]float64)
					acc[k] = a
					times = append(times, k)
				}
				a[0] += v
				a[1]++
			})
			if v, vok := sh.Latest(); vok {
				latest += v
				n++
				ok = true
				at = later(at, sh.at)
				failed = failed || sh.failed
			}
			missing = missing && sh.Missing
			waiting = waiting || sh.Waiting
		}
		slices.Sort(times)
		hist := NewHistory(span.Window+time.Minute, len(times)+1)
		for _, t := range times {
			a := acc[t]
			v := a[0]
			if mean {
				v /= a[1]
			}
			hist.Add(Point{T: time.Unix(0, t), V: v})
		}
		if mean && n > 0 {
			latest /= n
		}
		l.Hosts[h] = Shown{Hist: hist, Unit: unit, Rate: rest[0].Hosts[h].Rate, Absolute: rest[0].Hosts[h].Absolute,
			Missing: missing && !ok, Waiting: waiting && !ok, latest: latest, ok: ok && finite(latest), at: at, failed: failed}
	}
	return l
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// Additive says whether values of the unit add up to a total (rates,
// counts, bytes) rather than average (percentages, durations).
func (u Unit) Additive() bool {
	switch u {
	case UnitPercent, UnitMillis, UnitSeconds:
		return false
	}
	return true
}

// eachInWindow calls fn with the time (unix ns) and value of every point
// from..to, a bucket as its mean at its newest point: the rest line's
// sums, cheaper than a chart's walk (no edges, no bucket extremes).
func (h *History) eachInWindow(from, to time.Time, fn func(t int64, v float64)) {
	if !h.hasBase {
		return
	}
	base := h.base.UnixNano()
	h.entries(from.Sub(h.base), to.Sub(h.base), func(e entry) {
		fn(base+int64(e.lastT), e.mean)
	})
}

// mean is the mean of the points from..to and how many there are: what
// ranking needs of Summarize, without its trend's second pass.
func (h *History) mean(from, to time.Time) (float64, int) {
	if !h.hasBase {
		return 0, 0
	}
	var sum, n float64
	h.entries(from.Sub(h.base), to.Sub(h.base), func(e entry) {
		sum += e.mean * float64(e.n)
		n += float64(e.n)
	})
	if n == 0 {
		return 0, 0
	}
	return sum / n, int(n)
}
