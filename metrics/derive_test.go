package metrics

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

var epoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func at(sec float64) time.Time { return epoch.Add(time.Duration(sec * float64(time.Second))) }

// obs is one observation in a derivation table. vals nil means the host
// answered without the records.
type obs struct {
	t     float64 // seconds after epoch
	vals  map[string]Sample
	want  float64
	ok    bool
	reset bool // call Reset before observing
}

func run(t *testing.T, d Derivation, steps []obs) {
	t.Helper()
	for i, s := range steps {
		if s.reset {
			d.Reset()
		}
		got, ok := d.Observe(Snapshot{Time: at(s.t), Values: s.vals})
		if ok != s.ok || (ok && math.Abs(got-s.want) > 1e-9*max(1, math.Abs(s.want))) {
			t.Fatalf("step %d (t=%gs): got (%g, %v), want (%g, %v)", i, s.t, got, ok, s.want, s.ok)
		}
		if !ok && got != 0 {
			t.Fatalf("step %d: ok=false must come with 0, got %g", i, got)
		}
	}
}

// ctr is a counter/gauge sample under key "k".
func ctr(v float64) map[string]Sample { return map[string]Sample{"k": {Value: v}} }

// is/no build expected steps tersely.
func is(t float64, vals map[string]Sample, want float64) obs {
	return obs{t: t, vals: vals, want: want, ok: true}
}
func no(t float64, vals map[string]Sample) obs { return obs{t: t, vals: vals} }

// synced returns polls every second from `from` to `to` of a counter
// rising at `rate`/s that ATS only publishes every 5 s, and the output the
// counter derivation must give: no zeros or spikes once warmed up.
func syncedCounter(from, to int, rate float64) []obs {
	var steps []obs
	for sec := from; sec <= to; sec++ {
		v := rate * float64(sec/5*5)
		steps = append(steps, is(float64(sec), ctr(v), rate))
	}
	return steps
}

func TestRateFromCounter(t *testing.T) {
	// Warm-up of the synced pattern starting at t=1: baseline, 3 unchanged
	// (not known to be idle), first change at 5 (may span part of a sync
	// period only), unchanged, second change at 10 gives the first rate.
	syncWarm := []obs{no(1, ctr(0)), no(2, ctr(0)), no(3, ctr(0)), no(4, ctr(0)),
		no(5, ctr(500)), no(6, ctr(500)), no(7, ctr(500)), no(8, ctr(500)), no(9, ctr(500))}
	steady := append(append([]obs{}, syncWarm...), syncedCounter(10, 24, 100)...)

	tests := []struct {
		name  string
		steps []obs
	}{
		{"per-second counter warms up in 3 samples", []obs{
			no(0, ctr(0)), no(1, ctr(100)), is(2, ctr(200), 100), is(3, ctr(300), 100)}},
		{"rate uses snapshot timestamps, not a nominal interval", []obs{
			no(0, ctr(0)), no(1, ctr(100)), is(3, ctr(300), 100), is(3.5, ctr(400), 200), is(4.5, ctr(450), 50)}},
		{"5s sync at 1s polling is steady, not zeros and spikes", steady},
		{"no startup spike when the baseline lands just before a sync", []obs{
			// 500 published at t=5 is 5 s of traffic, not 1 s of 500/s.
			no(4, ctr(0)), no(5, ctr(500)), no(6, ctr(500)), is(10, ctr(1000), 100), is(11, ctr(1000), 100)}},
		{"5s synced counter that stops holds ~7.5s then reads 0", append(append([]obs{}, steady...),
			// last change at t=20 (value 2000); t=21..24 above already held.
			is(25, ctr(2000), 100), is(27, ctr(2000), 100), is(27.5, ctr(2000), 100),
			is(28, ctr(2000), 0), is(40, ctr(2000), 0))},
		{"per-second counter that stops reads 0 on the second still poll", []obs{
			no(0, ctr(0)), no(1, ctr(100)), is(2, ctr(200), 100), is(3, ctr(200), 100), is(4, ctr(200), 0)}},
		{"idle counter reads 0 once it cannot be waiting for a sync", []obs{
			no(0, ctr(5)), no(1, ctr(5)), no(7, ctr(5)), is(7.5, ctr(5), 0), is(8.5, ctr(5), 0)}},
		{"an event after a long idle spreads over the idle time, then 0", []obs{
			no(0, ctr(5)), is(8, ctr(5), 0), is(20, ctr(6), 1.0/20),
			// hold is capped at 1.5 × maxHoldGap = 15s, not 1.5 × 20s
			is(35, ctr(6), 1.0/20), is(36, ctr(6), 0)}},
		{"single event right after start reads 0 once settled", []obs{
			no(0, ctr(5)), no(1, ctr(6)), no(2, ctr(6)), no(8, ctr(6)), is(8.5, ctr(6), 0), is(9, ctr(6), 0)}},
		{"slow polling: first change already spans a sync; hold is 1.5 polls", []obs{
			no(0, ctr(0)), is(10, ctr(1000), 100), is(20, ctr(1000), 100), is(30, ctr(1000), 0), is(40, ctr(2000), 1000.0/30)}},
		{"counter going down (restart) rebaselines without a spike", []obs{
			no(0, ctr(0)), no(1, ctr(100)), is(2, ctr(200), 100),
			no(3, ctr(10)), no(4, ctr(110)), is(5, ctr(210), 100)}},
		{"missing key gives no value and keeps the baseline", []obs{
			no(0, ctr(0)), no(1, ctr(100)), is(2, ctr(200), 100),
			no(3, nil), no(4, map[string]Sample{"other": {Value: 1}}), is(5, ctr(500), 100)}},
		{"NaN and Inf are treated as missing", []obs{
			no(0, ctr(0)), no(1, ctr(100)), is(2, ctr(200), 100),
			no(3, ctr(math.NaN())), no(3.5, ctr(math.Inf(1))), no(3.7, ctr(math.Inf(-1))), is(4, ctr(400), 100)}},
		{"duplicate snapshot time never divides by zero", []obs{
			no(0, ctr(0)), no(1, ctr(100)), is(2, ctr(200), 100), no(2, ctr(250)), is(3, ctr(300), 100)}},
		{"clock going backwards rebaselines", []obs{
			no(10, ctr(0)), no(11, ctr(100)), is(12, ctr(200), 100),
			no(5, ctr(300)), no(6, ctr(400)), is(7, ctr(500), 100)}},
		{"Reset forgets the baseline: no spike after a reconnect", []obs{
			no(0, ctr(0)), no(1, ctr(100)), is(2, ctr(200), 100),
			{t: 60, vals: ctr(6200), reset: true}, no(61, ctr(6300)), is(62, ctr(6400), 100)}},
		{"overflowing delta rebaselines instead of giving Inf", []obs{
			no(0, ctr(-math.MaxFloat64)), no(10, ctr(math.MaxFloat64)), no(11, ctr(math.MaxFloat64))}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { run(t, &RateFromCounter{Key: "k"}, tc.steps) })
	}
}

func TestGaugeValue(t *testing.T) {
	run(t, &GaugeValue{Key: "k"}, []obs{
		is(0, ctr(5), 5), is(1, ctr(-3), -3), no(2, nil), no(3, ctr(math.NaN())),
		no(4, ctr(math.Inf(1))), is(4, ctr(7), 7), {t: 5, vals: ctr(8), want: 8, ok: true, reset: true},
	})
}

func TestNewDerivation(t *testing.T) {
	tests := []struct {
		kind, key, key2, unit string
		want                  Derivation
		err                   string
	}{
		{kind: "counter", key: "a", want: &RateFromCounter{Key: "a"}},
		{kind: "gauge", key: "a", want: &GaugeValue{Key: "a"}},
		{kind: "latency", key: "t", key2: "c", want: &LatencyFromTotals{TotalKey: "t", CountKey: "c"}},
		{kind: "latency", key: "t", key2: "c", unit: "s", want: &LatencyFromTotals{TotalKey: "t", CountKey: "c", Unit: "s"}},
		{kind: "latency", key: "t", key2: "c", unit: "ms", want: &LatencyFromTotals{TotalKey: "t", CountKey: "c", Unit: "ms"}},
		{kind: "hit_rate", key: "h", key2: "m", want: &HitRateFromCounters{HitsKey: "h", MissesKey: "m"}},
		{kind: "rate", key: "a", err: "unknown metric type"},
		{kind: "counter", err: "key is empty"},
		{kind: "latency", key: "t", err: "needs key2"},
		{kind: "hit_rate", key: "h", err: "needs key2"},
		{kind: "counter", key: "a", key2: "b", err: "takes no key2"},
		{kind: "gauge", key: "a", unit: "ms", err: "only applies to latency"},
		{kind: "latency", key: "t", key2: "c", unit: "us", err: "latency unit"},
	}
	for _, tc := range tests {
		d, err := NewDerivation(Type(tc.kind), tc.key, tc.key2, tc.unit)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("NewDerivation(%q,%q,%q,%q) error = %v, want containing %q", tc.kind, tc.key, tc.key2, tc.unit, err, tc.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(d, tc.want) {
			t.Errorf("NewDerivation(%q,%q,%q,%q) = %#v, %v; want %#v", tc.kind, tc.key, tc.key2, tc.unit, d, err, tc.want)
		}
	}
	// Every registered kind must have a derivation.
	for _, k := range TypeNames() {
		key2 := ""
		info, _ := LookupType(Type(k))
		if info.Expression {
			continue // needs a parsed expression: metrics/expr's tests
		}
		if info.NeedsKey2() {
			key2 = "b"
		}
		if k == "quantile" {
			key2 = "0.5" // its key2 is the quantile, not a record
		}
		if _, err := NewDerivation(Type(k), "a", key2, ""); err != nil {
			t.Errorf("kind %q registered without a derivation: %v", k, err)
		}
	}
}
