package metrics

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

var testDefs = []MetricDef{
	{Name: "Client", Type: "counter", Key: "req"},
	{Name: "Conns", Type: "gauge", Key: "conns"},
	{Name: "Hit", Type: "latency", Key: "t", Key2: "c"},
	{Name: "Hit Rate", Type: "hit_rate", Key: "h", Key2: "m"},
}

// snap builds a snapshot for testDefs where every record moves with i.
func snap(sec float64, i int) Snapshot {
	f := float64(i)
	return Snapshot{Time: at(sec), Values: map[string]Sample{
		"req": {Value: 100 * f}, "conns": {Value: 7}, "t": {Value: 50 * f}, "c": {Value: 10 * f},
		"h": {Value: 9 * f}, "m": {Value: f},
	}}
}

func TestNewStore(t *testing.T) {
	tests := []struct {
		name             string
		hosts            int
		defs             []MetricDef
		window, interval time.Duration
		capacity         int
		err              string
	}{
		{"capacity is window/interval + 4", 2, testDefs, 10 * time.Second, time.Second, 14, ""},
		{"capacity rounds up", 1, testDefs, 10 * time.Second, 3 * time.Second, 8, ""},
		{"no metrics is allowed", 1, nil, time.Minute, time.Second, 0, ""},
		{"no hosts", 0, testDefs, time.Minute, time.Second, 0, "at least one host"},
		{"zero window", 1, testDefs, 0, time.Second, 0, "must be positive"},
		{"zero interval", 1, testDefs, time.Minute, 0, 0, "must be positive"},
		{"bad kind names the metric", 1, []MetricDef{{Name: "X", Type: "nope", Key: "k"}}, time.Minute, time.Second, 0, `metric 0 (X): unknown metric type "nope"`},
		{"bad latency unit", 1, []MetricDef{{Name: "L", Type: "latency", Key: "t", Key2: "c", Unit: "us"}}, time.Minute, time.Second, 0, "latency unit"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, err := NewStore(tc.hosts, tc.defs, tc.window, tc.interval)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			// The store's window is that of every history (checked below).
			if st.Hosts() != tc.hosts || st.Metrics() != len(tc.defs) {
				t.Fatalf("Hosts/Metrics = %d/%d", st.Hosts(), st.Metrics())
			}
			for h := range tc.hosts {
				for i, d := range tc.defs {
					s := st.Series(h, i)
					// No history is made before its first point.
					if *s.Def != d || s.Hist != emptyHistory {
						t.Fatalf("Series(%d,%d) = %+v, history made before a point", h, i, s.Def)
					}
					s.keep(&s.Hist, Point{T: at(0), V: 1})
					if s.Hist == emptyHistory || s.Hist.capacity != tc.capacity || s.Hist.Window() != tc.window || emptyHistory.Len() != 0 {
						t.Fatalf("Series(%d,%d) history capacity %d window %v", h, i, s.Hist.capacity, s.Hist.Window())
					}
				}
			}
		})
	}
}

func TestStoreSeriesUnit(t *testing.T) {
	st, err := NewStore(1, testDefs, time.Minute, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []Unit{UnitCount, UnitCount, UnitMillis, UnitPercent} {
		if got := st.Series(0, i).Unit(); got != want {
			t.Errorf("metric %d (%s) unit = %v, want %v", i, testDefs[i].Type, got, want)
		}
	}
}

func TestStoreObserve(t *testing.T) {
	st, err := NewStore(2, testDefs, time.Minute, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range [][2]int{{0, 0}, {1, 0}} {
		if _, ok := st.Series(s[0], s[1]).Latest(); ok {
			t.Fatal("Latest before any snapshot reported a value")
		}
	}
	for i := range 5 {
		st.Observe(0, snap(float64(i), i))
	}
	// Host 1 got nothing.
	for i := range testDefs {
		if n := st.Series(1, i).Hist.Len(); n != 0 {
			t.Fatalf("host 1 metric %d has %d points, want 0", i, n)
		}
	}
	// counter: samples 0,1 warm up → 3 points of 100/s.
	// gauge: 5 points. latency and hit rate: baseline only → 4 points.
	wantLen := []int{3, 5, 4, 4}
	wantLatest := []float64{100, 7, 5, 90}
	for i := range testDefs {
		s := st.Series(0, i)
		if s.Hist.Len() != wantLen[i] {
			t.Errorf("%s: %d points, want %d", s.Def.Name, s.Hist.Len(), wantLen[i])
		}
		if v, ok := s.Latest(); !ok || v != wantLatest[i] {
			t.Errorf("%s: Latest = %g, %v; want %g", s.Def.Name, v, ok, wantLatest[i])
		}
		if p, _ := s.Hist.Last(); p.T != at(4) {
			t.Errorf("%s: last point at %v, want the snapshot's time", s.Def.Name, p.T)
		}
	}

	// A snapshot without the records: no values, no points.
	st.Observe(0, Snapshot{Time: at(5)})
	for i := range testDefs {
		s := st.Series(0, i)
		if _, ok := s.Latest(); ok {
			t.Errorf("%s: Latest after an empty snapshot reported a value", s.Def.Name)
		}
		if s.Hist.Len() != wantLen[i] {
			t.Errorf("%s: an ok=false value was added to the history", s.Def.Name)
		}
	}

	// Reconnect after a long outage: without ResetHost the counter would
	// spread the outage's increase as if it were current; with it, the
	// first snapshot is only a baseline and the history is kept.
	st.ResetHost(0)
	for i := range testDefs {
		if _, ok := st.Series(0, i).Latest(); ok {
			t.Errorf("metric %d: Latest after ResetHost reported a value", i)
		}
	}
	st.Observe(0, snap(100, 1000))
	if _, ok := st.Series(0, 0).Latest(); ok {
		t.Error("counter gave a value on the first snapshot after ResetHost")
	}
	if _, ok := st.Series(0, 3).Latest(); ok {
		t.Error("hit rate gave a value on the first snapshot after ResetHost")
	}
	if n := st.Series(0, 0).Hist.Len(); n != wantLen[0] {
		t.Errorf("ResetHost dropped history: %d points", n)
	}
}

func TestStoreSeriesOutOfRange(t *testing.T) {
	st, err := NewStore(2, testDefs, time.Minute, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	for _, hm := range [][2]int{{-1, 0}, {2, 0}, {0, -1}, {0, len(testDefs)}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Series(%d, %d) did not panic", hm[0], hm[1])
				}
			}()
			st.Series(hm[0], hm[1])
		}()
	}
}

// benchStore is 4 hosts × 40 metrics, the size of a busy dashboard, with
// snapshots whose values move every call.
func benchStore(tb testing.TB) (*Store, func()) {
	types := []Type{TypeCounter, TypeCounter, TypeGauge, TypeLatency, TypeHitRate}
	var defs []MetricDef
	vals := map[string]Sample{}
	for i := range 40 {
		d := MetricDef{Name: fmt.Sprint(i), Type: types[i%len(types)], Key: fmt.Sprint("k", i)}
		vals[d.Key] = Sample{}
		if info, _ := LookupType(d.Type); info.NeedsKey2() {
			d.Key2 = fmt.Sprint("k2_", i)
			vals[d.Key2] = Sample{}
		}
		defs = append(defs, d)
	}
	st, err := NewStore(4, defs, 10*time.Minute, time.Second)
	if err != nil {
		tb.Fatal(err)
	}
	snap := Snapshot{Values: vals}
	n := 0
	return st, func() {
		n++
		snap.Time = epoch.Add(time.Duration(n) * time.Second)
		for k := range vals {
			vals[k] = Sample{Value: float64(n * 10 * len(k))}
		}
		for h := range st.Hosts() {
			st.Observe(h, snap)
		}
	}
}

func TestStoreObserveDoesNotAllocate(t *testing.T) {
	_, step := benchStore(t)
	for range 1000 { // fill the histories to capacity
		step()
	}
	if a := testing.AllocsPerRun(100, step); a != 0 {
		t.Fatalf("Store.Observe allocates %v times per round", a)
	}
}

// BenchmarkStoreObserve measures one collection round: 4 hosts × 40 metrics.
func BenchmarkStoreObserve(b *testing.B) {
	_, step := benchStore(b)
	for range 1000 {
		step()
	}
	b.ReportAllocs()
	for b.Loop() {
		step()
	}
}

// A host's events are kept for the store's window, at most maxEvents.
func TestEventsKeptForTheWindow(t *testing.T) {
	st, err := NewStore(2, nil, time.Minute, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	st.MarkEvent(0, t0, EventReset)
	st.MarkEvent(0, t0.Add(30*time.Second), EventReconnect)
	st.MarkEvent(1, t0.Add(40*time.Second), EventReconnect)
	st.MarkEvent(0, t0.Add(90*time.Second), EventReconnect) // the first is out of the window now
	got := st.Events(0, t0, t0.Add(time.Hour))
	if len(got) != 2 || got[0].Kind != EventReconnect || !got[1].T.Equal(t0.Add(90*time.Second)) {
		t.Errorf("events %+v", got)
	}
	if got := st.Events(1, t0.Add(41*time.Second), t0.Add(time.Hour)); len(got) != 0 {
		t.Errorf("events outside the span: %+v", got)
	}
	for i := range 3 * maxEvents {
		st.MarkEvent(1, t0.Add(time.Duration(i)*time.Millisecond), EventReset)
	}
	if n := len(st.Events(1, t0, t0.Add(time.Hour))); n != maxEvents {
		t.Errorf("%d events kept, want at most %d", n, maxEvents)
	}
}

// A view reads some hosts of a store, in its order, and is as current as
// the store: what is observed after it is made is there, its events and
// oldest points are its hosts', and a view of a view reads the same base.
func TestStoreView(t *testing.T) {
	st, err := NewStore(6, testDefs, time.Minute, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	v := st.View([]int{4, 1, 9, -1}) // the bad ones are left out
	for i := range 5 {
		for h := range 6 {
			st.Observe(h, snap(float64(10+i), i*(h+1)))
		}
	}
	if v.Hosts() != 2 || v.Metrics() != len(testDefs) || v.Base() != st || v.BaseHost(0) != 4 || v.BaseHost(1) != 1 {
		t.Fatalf("view of %d hosts, base host %d, %d", v.Hosts(), v.BaseHost(0), v.BaseHost(1))
	}
	if v.Series(0, 0) != st.Series(4, 0) || v.Series(1, 2) != st.Series(1, 2) {
		t.Fatal("the view's series are not the store's")
	}
	if got, ok := v.Series(0, 0).Latest(); !ok || got != 500 {
		t.Errorf("host 4's requests/s through the view: %v %v, want 500", got, ok)
	}
	st.MarkEvent(4, at(12), EventReset)
	v.MarkEvent(1, at(13), EventReconnect)
	if e := v.Events(0, at(0), at(20)); len(e) != 1 || e[0].Kind != EventReset {
		t.Errorf("view host 0 (4) events %v", e)
	}
	if e := st.Events(1, at(0), at(20)); len(e) != 1 || e[0].Kind != EventReconnect {
		t.Errorf("an event marked through the view is not the store's: %v", e)
	}
	if o, ok := v.Oldest(); !ok || !o.Equal(at(10)) {
		t.Errorf("oldest %v %v", o, ok)
	}
	vv := v.View([]int{1})
	if vv.Base() != st || vv.Series(0, 1) != st.Series(1, 1) {
		t.Error("a view of a view does not read the base")
	}
	lines := v.Lines(0, Span{End: at(14), Window: time.Minute}, 0, OrderMean)
	if len(lines) != 1 || len(lines[0].Hosts) != 2 {
		t.Fatalf("lines %+v", lines)
	}
}

// A host asked only some records (a fleet's host off the pages) leaves
// the other series as they were: missing, with no value, and their
// baselines kept, so that once asked again a counter's first rate is the
// true average over the gap.
func TestStoreSeriesNotAskedStayAsTheyWere(t *testing.T) {
	st, err := NewStore(1, testDefs, time.Minute, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		st.Observe(0, snap(float64(i), i))
	}
	client, conns := st.Series(0, 0), st.Series(0, 1)
	if v, ok := client.Latest(); !ok || v != 100 {
		t.Fatalf("before the gap: %v, %v; want 100/s", v, ok)
	}
	for i := 4; i < 30; i++ {
		brief := Snapshot{Time: at(float64(i)), Values: map[string]Sample{"conns": {Value: 7}}}
		st.Observe(0, brief)
		if _, ok := client.Latest(); ok || !client.Missing() {
			t.Fatalf("tick %d without its record: latest ok %v, missing %v; want no value, missing", i, ok, client.Missing())
		}
		if v, ok := conns.Latest(); !ok || v != 7 {
			t.Fatalf("tick %d: the record asked for: %v, %v", i, v, ok)
		}
	}
	// Asked again at 30 s with the counter at 100 × 40: (4000 − 300) / 27 s.
	st.Observe(0, snap(30, 40))
	if v, ok := client.Latest(); !ok || v != (4000-300)/27.0 || client.Missing() {
		t.Fatalf("asked again: %v, %v (missing %v); want the average over the gap, %v", v, ok, client.Missing(), (4000-300)/27.0)
	}
}

// A series hands a one-record derivation (a counter's, a gauge's) the
// sample it found instead of having it look the record up: what it
// derives is what the derivation's own Observe does, over missing
// records, values that are not numbers and a counter that starts again.
func TestStoreOneRecordDerivationsAsObserve(t *testing.T) {
	defs := testDefs[:2] // a counter, a gauge
	st, err := NewStore(1, defs, time.Minute, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var own []Derivation
	for _, d := range defs {
		der, err := d.Derivation()
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := der.(oneRecord); !ok {
			t.Fatalf("%s: not a one-record derivation", d.Name)
		}
		own = append(own, der)
	}
	for i, v := range []float64{10, 20, 30, math.NaN(), 40, math.Inf(1), 5, 15, -1, 25, 35} {
		values := map[string]Sample{"req": {Value: v}, "conns": {Value: v}}
		if i == 4 {
			values = map[string]Sample{} // both missing
		}
		s := Snapshot{Time: at(float64(i)), Values: values}
		st.Observe(0, s)
		for m, d := range defs {
			wantV, wantOK := own[m].Observe(s)
			gotV, gotOK := st.Series(0, m).Latest()
			if gotOK != wantOK || gotOK && gotV != wantV {
				t.Errorf("snapshot %d, %s: %g, %v; Observe gives %g, %v", i, d.Name, gotV, gotOK, wantV, wantOK)
			}
		}
		wantAbs, wantAbsOK := value(s, "req")
		if abs, ok := st.Series(0, 0).LatestAbsolute(); ok != wantAbsOK || ok && abs != wantAbs {
			t.Errorf("snapshot %d: absolute %g, %v; want %g, %v", i, abs, ok, wantAbs, wantAbsOK)
		}
	}
}

// Metrics that derive alike share one series per host, whatever their
// names; any difference in what they derive keeps them apart.
func TestStoreSharesSeriesThatDeriveAlike(t *testing.T) {
	defs := []MetricDef{
		{Name: "Client", Type: "counter", Key: "req"},
		{Name: "Requests/s", Type: "counter", Key: "req"},                // another page's: shared
		{Name: "Client", Type: "gauge", Key: "req"},                      // another type
		{Name: "Hit", Type: "latency", Key: "t", Key2: "c"},              //
		{Name: "Hit", Type: "latency", Key: "t", Key2: "m"},              // another second key
		{Name: "Hit s", Type: "latency", Key: "t", Key2: "c", Unit: "s"}, // another unit
		{Name: "Hit ms", Type: "latency", Key: "t", Key2: "c"},           // shared with 3
	}
	same := map[int]int{1: 0, 6: 3}
	st, err := NewStore(2, defs, time.Minute, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	for h := range 2 {
		for i := range 3 { // a counter's first two samples warm it up
			st.Observe(h, snap(float64(i), i))
		}
		for i := range defs {
			for j := range i {
				shared := st.Series(h, i) == st.Series(h, j)
				if want := same[i] == j && (i == 1 || i == 6); shared != want {
					t.Errorf("host %d: metrics %d and %d share a series: %v, want %v", h, i, j, shared, want)
				}
			}
		}
		if v, ok := st.Series(h, 1).Latest(); !ok || v != 100 {
			t.Errorf("host %d: shared counter = %v %v, want 100/s", h, v, ok)
		}
	}
	if st.Series(0, 0) == st.Series(1, 0) {
		t.Error("two hosts share a series")
	}
	// A failure and a reset reach each series once, and every metric.
	st.Failed(0, at(3))
	if sh := st.Series(0, 1).Shown(false); !sh.failed {
		t.Errorf("after a failure, the shared series is still current: %+v", sh)
	}
	st.ResetHost(0)
	if _, ok := st.Series(0, 1).Latest(); ok {
		t.Error("after ResetHost, the shared series still has a latest value")
	}
}
