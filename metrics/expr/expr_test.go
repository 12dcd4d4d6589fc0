package expr

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/traffic-grapher/traffic_grapher/metrics"
)

var t0 = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

func snap(sec float64, values map[string]float64) metrics.Snapshot {
	s := metrics.Snapshot{Time: t0.Add(time.Duration(sec * float64(time.Second))), Values: map[string]metrics.Sample{}}
	for k, v := range values {
		s.Values[k] = metrics.Sample{Value: v}
	}
	return s
}

// observe feeds snapshots to a fresh derivation of src and returns what it
// gave, NaN standing for no value.
func observe(t *testing.T, src string, inputs map[string]string, snaps []metrics.Snapshot) []float64 {
	t.Helper()
	e, err := Parse(src, inputs)
	if err != nil {
		t.Fatalf("Parse(%q): %v", src, err)
	}
	d := e.New()
	out := make([]float64, len(snaps))
	for i, s := range snaps {
		v, ok := d.Observe(s)
		if !ok {
			v = math.NaN()
		}
		out[i] = v
	}
	return out
}

// same says two series have values at the same points, equal but for
// rounding ((Δa×1000)/Δb and Δa/Δb×1000 differ in the last bits).
func same(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		switch {
		case math.IsNaN(a[i]) || math.IsNaN(b[i]):
			if math.IsNaN(a[i]) != math.IsNaN(b[i]) {
				return false
			}
		case math.Abs(a[i]-b[i]) > 1e-9*math.Max(math.Abs(a[i]), math.Abs(b[i])):
			return false
		}
	}
	return true
}

func TestEvaluate(t *testing.T) {
	nan := math.NaN()
	series := []metrics.Snapshot{
		snap(0, map[string]float64{"a.x": 10, "b.x": 4, "g.x": 7}),
		snap(1, map[string]float64{"a.x": 20, "b.x": 4, "g.x": 8}),
		snap(2, map[string]float64{"a.x": 30, "b.x": 0, "g.x": 9}),
		snap(3, map[string]float64{"b.x": 2, "g.x": 9}), // a.x missing
		snap(4, map[string]float64{"a.x": 50, "b.x": 2, "g.x": 10}),
	}
	in := map[string]string{"a": "a.x", "b": "b.x", "g": "g.x"}
	tests := []struct {
		src  string
		want []float64
	}{
		{"g", []float64{7, 8, 9, 9, 10}},
		{"g.x", []float64{7, 8, 9, 9, 10}},
		{"2 + 3 * 4", []float64{14, 14, 14, 14, 14}},
		{"(2 + 3) * 4", []float64{20, 20, 20, 20, 20}},
		{"2 × 3 − 1 ÷ 2", []float64{5.5, 5.5, 5.5, 5.5, 5.5}},
		{"-g + 1", []float64{-6, -7, -8, -8, -9}},
		{"10 - 2 - 3", []float64{5, 5, 5, 5, 5}},
		{"1e3 / 4", []float64{250, 250, 250, 250, 250}},
		{"a / b", []float64{2.5, 5, nan, nan, 25}},       // b = 0: a gap, not Inf
		{"a + g", []float64{17, 28, 39, nan, 60}},        // a missing: a gap
		{"delta(a)", []float64{nan, 10, 10, nan, nan}},   // a gap starts delta again
		{"sum(a, b, g)", []float64{21, 32, 39, nan, 62}}, // any missing: a gap
		{"min(a, b, g)", []float64{4, 4, 0, nan, 2}},     //
		{"max(g, 8.5)", []float64{8.5, 8.5, 9, 9, 10}},   //
		{"max(0, min(100, g * 20))", []float64{100, 100, 100, 100, 100}},
		{"rate(a)", []float64{nan, nan, 10, nan, 10}}, // warm-up as type counter
	}
	for _, tc := range tests {
		if got := observe(t, tc.src, usedInputs(tc.src, in), series); !same(got, tc.want) {
			t.Errorf("%s = %v, want %v", tc.src, got, tc.want)
		}
	}
}

// usedInputs keeps the inputs src names, since unused ones are an error.
func usedInputs(src string, in map[string]string) map[string]string {
	toks, _ := lex(src)
	out := map[string]string{}
	for _, t := range toks {
		if r, ok := in[t.text]; ok && t.kind == 'i' {
			out[t.text] = r
		}
	}
	return out
}

func TestParseErrors(t *testing.T) {
	in := map[string]string{"req": "proxy.process.http.incoming_requests", "5xx": "proxy.process.http.5xx_responses"}
	tests := []struct {
		src, msg string
		caret    string // the marked text
	}{
		{"", "empty expression", ""},
		{"rate(5xx) / rate(req) * 100 + ", "expected a number, a name or (, found the end", ""},
		{"rate(5xx) / rat(req)", "unknown function rat; did you mean rate?", "rat"},
		{"rate(5xx) / rate(reqs)", `unknown name "reqs"; did you mean req?`, "reqs"},
		{"rate(5xx) / rate(req", "expected , or ) in the arguments of rate( at column 13, found the end", ""},
		{"(rate(5xx) / rate(req)", "expected ) to close the ( at column 1", ""},
		{"rate(5xx) rate(req)", "unexpected the name rate after a complete expression", "rate"},
		{"rate(5xx, req)", "rate takes one argument, not 2", "rate"},
		{"rate(5xx) / req % 2", `unexpected '%'`, "%"},
		{"rate / req + 5xx", "rate is a function: write rate(...)", "rate"},
		{"ms(req + 5xx)", "ms() takes a record", "req"},
		{"quantile(2, req) + 5xx", "quantile's first argument is the quantile", "2"},
		{"sum() + req + 5xx", "sum takes at least one argument, not 0", "sum"},
		{"rate(req)", `input "5xx" is not used in the expression`, ""},
		{"1e999 + req + 5xx", "number 1e999 is out of range", "1e999"},
		{strings.Repeat("(", 100) + "req + 5xx" + strings.Repeat(")", 100), "nested more than 64 deep", "("},
	}
	for _, tc := range tests {
		_, err := Parse(tc.src, in)
		e, ok := err.(*Error)
		if !ok || !strings.Contains(e.Msg, tc.msg) {
			t.Errorf("Parse(%q) = %v, want an *Error containing %q", tc.src, err, tc.msg)
			continue
		}
		if tc.caret != "" && tc.src[e.Offset:e.Offset+e.Len] != tc.caret {
			t.Errorf("Parse(%q): marks %q, want %q", tc.src, tc.src[e.Offset:e.Offset+e.Len], tc.caret)
		}
	}
	_, err := Parse("rate(5xx) / rat(req)", in)
	if got, want := err.(*Error).Caret("rate(5xx) / rat(req)", "  "), "  rate(5xx) / rat(req)\n              ^^^"; got != want {
		t.Errorf("caret:\n%s\nwant:\n%s", got, want)
	}
}

func TestRecords(t *testing.T) {
	e, err := Parse("rate(errs) / rate(proxy.process.http.incoming_requests) + errs", map[string]string{"errs": "proxy.process.http.5xx_responses"})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(e.Records(), " "); got != "proxy.process.http.5xx_responses proxy.process.http.incoming_requests" {
		t.Errorf("records %q", got)
	}
}

// Each derivation of its own holds its own baselines.
func TestNewIsFresh(t *testing.T) {
	e, _ := Parse("rate(a.x)", nil)
	d1, d2 := e.New(), e.New()
	for i := range 4 {
		d1.Observe(snap(float64(i), map[string]float64{"a.x": float64(10 * i)}))
	}
	if _, ok := d2.Observe(snap(4, map[string]float64{"a.x": 40})); ok {
		t.Fatal("a second derivation saw the first one's baseline")
	}
	d1.Reset()
	if _, ok := d1.Observe(snap(5, map[string]float64{"a.x": 50})); ok {
		t.Fatal("Reset kept the baseline")
	}
}

// Every built-in type can be written as an expression, and gives the same
// series over counters that sync every 5 s, restart, go missing, repeat a
// timestamp and jump the clock back.
func TestBuiltinTypesAsExpressions(t *testing.T) {
	tests := []struct {
		typ, key, key2, unit string
		src                  string
		float                bool // the total-time record is float seconds (ATS 9.x)
	}{
		{"counter", "c.total", "", "", "rate(c.total)", false},
		{"gauge", "g.now", "", "", "g.now", false},
		{"latency", "t.total", "c.total", "", "ratio(ms(t.total), c.total)", false},
		{"latency", "t.total", "c.total", "", "ratio(ms(t.total), c.total)", true},
		{"latency", "t.total", "c.total", "ms", "ratio(t.total, c.total)", false},
		{"latency", "t.total", "c.total", "s", "ratio(t.total * 1000, c.total)", false},
		{"hit_rate", "h.total", "m.total", "", "ratio(h.total, h.total + m.total) * 100", false},
		{"used_percent", "g.avail", "g.size", "", "max(0, min(100, 100 * (1 - g.avail / g.size)))", false},
	}
	for seed := range uint64(20) {
		snaps := randomSeries(seed)
		for _, tc := range tests {
			want := builtin(t, tc.typ, tc.key, tc.key2, tc.unit, snaps, tc.float)
			got := observe(t, tc.src, nil, withFloat(snaps, "t.total", tc.float))
			if !same(got, want) {
				t.Fatalf("seed %d: %s (%s) gives\n%v\nwant (type %s)\n%v", seed, tc.src, tc.unit, got, tc.typ, want)
			}
			if n := count(want); n < len(snaps)/4 {
				t.Fatalf("seed %d: %s has only %d values: the series says nothing", seed, tc.typ, n)
			}
		}
	}
}

func TestQuantileAsExpression(t *testing.T) {
	const h = "lat_seconds"
	var snaps []metrics.Snapshot
	counts := []float64{0, 0, 0}
	for i := range 30 {
		counts[0] += float64(i % 3)
		counts[1] += float64(i%3) + 2
		counts[2] += float64(i%3) + 5
		s := snap(float64(i), nil)
		for j, le := range []float64{0.1, 0.5, math.Inf(1)} {
			s.Values[metrics.BucketKey(h, le)] = metrics.Sample{Value: counts[j]}
		}
		snaps = append(snaps, s)
	}
	want := builtin(t, "quantile", h, "0.9", "", snaps, false)
	if got := observe(t, "quantile(0.9, lat_seconds)", nil, snaps); !same(got, want) || count(want) < 20 {
		t.Fatalf("quantile expression %v, want %v", got, want)
	}
}

func builtin(t *testing.T, typ, key, key2, unit string, snaps []metrics.Snapshot, float bool) []float64 {
	t.Helper()
	d, err := metrics.NewDerivation(metrics.Type(typ), key, key2, unit)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]float64, len(snaps))
	for i, s := range withFloat(snaps, key, float) {
		v, ok := d.Observe(s)
		if !ok {
			v = math.NaN()
		}
		out[i] = v
	}
	return out
}

func withFloat(snaps []metrics.Snapshot, key string, float bool) []metrics.Snapshot {
	if !float {
		return snaps
	}
	out := make([]metrics.Snapshot, len(snaps))
	for i, s := range snaps {
		c := metrics.Snapshot{Time: s.Time, Values: map[string]metrics.Sample{}}
		for k, v := range s.Values {
			if k == key {
				v.Value /= 1000
				v.Float = true
			}
			c.Values[k] = v
		}
		out[i] = c
	}
	return out
}

func count(vs []float64) int {
	n := 0
	for _, v := range vs {
		if !math.IsNaN(v) {
			n++
		}
	}
	return n
}

// randomSeries is a server's records over 200 polls at 1 s: counters that
// move every poll for a while, then sync every 5 s, a restart (every
// counter back near 0), missing polls, a repeated timestamp and the clock
// stepping back.
func randomSeries(seed uint64) []metrics.Snapshot {
	r := rand.New(rand.NewPCG(seed, 7))
	var out []metrics.Snapshot
	var req, hits, misses, ttime float64
	shown := map[string]float64{}
	at := 0.0
	for i := range 200 {
		at++
		switch {
		case i == 120:
			req, hits, misses, ttime = 0, 0, 0, 0 // restart
		case i == 150:
			at-- // the same time again
		case i == 160:
			at -= 3 // the clock steps back
		}
		n := float64(r.IntN(50))
		h := math.Floor(n * r.Float64())
		req, hits, misses = req+n, hits+h, misses+(n-h)
		ttime += n * (1 + 20*r.Float64())
		synced := i < 60 || i%5 == 0 // later, records move only every 5 s
		if synced {
			shown["c.total"], shown["h.total"], shown["m.total"], shown["t.total"] = req, hits, misses, ttime
		}
		size := 1000.0
		shown["g.now"] = float64(r.IntN(500))
		shown["g.size"], shown["g.avail"] = size, size*r.Float64()
		if i%37 == 36 {
			continue // a missed poll
		}
		s := snap(at, nil)
		for k, v := range shown {
			if i%23 == 22 && k == "m.total" {
				continue // one record missing from a reply
			}
			s.Values[k] = metrics.Sample{Value: v}
		}
		out = append(out, s)
	}
	return out
}

// FuzzParse: no source makes Parse panic or loop, an error always marks
// text inside the source, and whatever parses evaluates to finite values
// or none, on any snapshots.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"rate(5xx) / rate(req) * 100", "ratio(ms(t.x), c.x)", "sum(a.x, b.x, 1e3) - -2", "quantile(0.99, h_x)",
		"max(0, min(100, 100 * (1 - a.x / b.x)))", "delta(a.x) ÷ 2 × 3 − 1", "((((a.x))))", "1e308 * 1e308", "",
	} {
		f.Add(s, 1e300, -0.0)
	}
	in := map[string]string{"5xx": "r.5xx", "req": "r.req"}
	f.Fuzz(func(t *testing.T, src string, v1, v2 float64) {
		e, err := Parse(src, in)
		if err == nil {
			d := e.New()
			for i, v := range []float64{v1, v2, v1 * 2, math.NaN(), v2 + 1} {
				s := metrics.Snapshot{Time: t0.Add(time.Duration(i) * time.Second), Values: map[string]metrics.Sample{}}
				for _, r := range e.Records() {
					s.Values[r] = metrics.Sample{Value: v}
				}
				if got, ok := d.Observe(s); ok && !finite(got) {
					t.Fatalf("%q gave %v", src, got)
				}
			}
			return
		}
		pe, ok := err.(*Error)
		if !ok {
			t.Fatalf("%q: error %T %v, want *Error", src, err, err)
		}
		if pe.Offset < 0 || pe.Offset > len(src) || pe.Len < 0 || pe.Offset+pe.Len > len(src)+1 {
			t.Fatalf("%q: error marks [%d, +%d) outside the source", src, pe.Offset, pe.Len)
		}
		_ = pe.Caret(src, "")
	})
}

// A caret line is plain text whatever the source holds: control characters
// become '?', and a long line is cut around the caret, which stays under
// the problem.
func TestCaretIsPlain(t *testing.T) {
	for _, src := range []string{
		"rate(a.b)\a + 1",
		"rate(a.b) + " + strings.Repeat("x.y + ", 40) + "rat(c.d)",
	} {
		_, err := Parse(src, nil)
		pe, ok := err.(*Error)
		if !ok {
			t.Fatalf("%q: %v", src, err)
		}
		got := pe.Caret(src, "  ")
		lines := strings.Split(got, "\n")
		if len(lines) != 2 || strings.ContainsAny(got, "\a\x1b") {
			t.Fatalf("caret %q", got)
		}
		if n := len([]rune(lines[0])); n > 2+2*70+2 {
			t.Errorf("the source line is %d characters: not cut", n)
		}
		line, caret := []rune(lines[0]), strings.Index(lines[1], "^")
		want := []rune(src[pe.Offset:])[0]
		if want == '\a' {
			want = '?'
		}
		if caret < 0 || caret >= len(line) || line[caret] != want {
			t.Errorf("the caret is not under the problem:\n%s", got)
		}
	}
}

// A family expression (inputs with a wildcard) binds every input to one
// member; an input without one reads the same record for every member.
func TestBindWildcardInputs(t *testing.T) {
	e, err := Parse("rate(e) / rate(all) * 100", map[string]string{"e": "remap.*.5xx", "all": "proxy.requests"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.Bind("www.example.com")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(b.Records(), ","); got != "proxy.requests,remap.www.example.com.5xx" {
		t.Errorf("records %s", got)
	}
	defs := []metrics.MetricDef{{Name: "5xx %", Type: metrics.TypeExpr, Unit: "%", Expr: e}}
	st, err := metrics.NewStore(1, defs, time.Minute, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 12 {
		f := float64(i)
		st.Observe(0, metrics.Snapshot{Time: base.Add(time.Duration(i) * time.Second), Values: map[string]metrics.Sample{
			"proxy.requests": {Value: 1000 * f}, "remap.a.5xx": {Value: 10 * f}, "remap.b.5xx": {Value: 50 * f},
		}})
	}
	fam := st.Series(0, 0)
	for member, want := range map[string]float64{"a": 1, "b": 5} {
		if v, ok := fam.Member(member).Latest(); !ok || math.Abs(v-want) > 1e-9 {
			t.Errorf("%s = %v, %v; want %v%%", member, v, ok, want)
		}
	}
}

// Two expression metrics share a store's series exactly when their text
// and inputs are the same.
func TestIdentitySharesSeries(t *testing.T) {
	tests := []struct {
		a, b    string
		ia, ib  map[string]string
		sharing bool
	}{
		{"rate(x) / 2", "rate(x) / 2", map[string]string{"x": "r.a"}, map[string]string{"x": "r.a"}, true},
		{"rate(x) / 2", "rate(x) / 2", map[string]string{"x": "r.a"}, map[string]string{"x": "r.b"}, false},
		{"rate(x) / 2", "rate(x)/2", map[string]string{"x": "r.a"}, map[string]string{"x": "r.a"}, false},
		{"r.a - r.b", "r.a - r.b", nil, nil, true},
		{"r.a - r.b", "r.b - r.a", nil, nil, false}, // the same records, not the same values
		// The same sum, but not the same text and inputs: sharing only
		// what is identical is enough for dashboards.
		{"x + y", "x + y", map[string]string{"x": "r.a", "y": "r.b"}, map[string]string{"x": "r.b", "y": "r.a"}, false},
		{"x + y", "x + y", map[string]string{"x": "r.a", "y": "r.b"}, map[string]string{"y": "r.b", "x": "r.a"}, true},
		{"x - y", "x - y", map[string]string{"x": "r.a", "y": "r.b"}, map[string]string{"x": "r.b", "y": "r.a"}, false},
	}
	for _, tc := range tests {
		a, err := Parse(tc.a, tc.ia)
		if err != nil {
			t.Fatal(err)
		}
		b, err := Parse(tc.b, tc.ib)
		if err != nil {
			t.Fatal(err)
		}
		defs := []metrics.MetricDef{{Name: "A", Type: metrics.TypeExpr, Expr: a}, {Name: "B", Type: metrics.TypeExpr, Expr: b}}
		st, err := metrics.NewStore(1, defs, time.Minute, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if got := st.Series(0, 0) == st.Series(0, 1); got != tc.sharing {
			t.Errorf("%q %v and %q %v share a series: %v, want %v", tc.a, tc.ia, tc.b, tc.ib, got, tc.sharing)
		}
	}
}
