package metrics

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestPattern(t *testing.T) {
	tests := []struct {
		pattern, name, capture string
		ok                     bool
	}{
		{"plugin.remap_stats.*.status_5xx", "plugin.remap_stats.www.example.com.status_5xx", "www.example.com", true},
		{"plugin.remap_stats.*.status_5xx", "plugin.remap_stats..status_5xx", "", false}, // a capture is never empty
		{"plugin.remap_stats.*.status_5xx", "plugin.remap_stats.a.status_4xx", "", false},
		{"proxy.process.http.per_server.current_connection.*", "proxy.process.http.per_server.current_connection.bar.127.0.0.1:8080", "bar.127.0.0.1:8080", true},
		{"proxy.process.http.per_server.current_connection.*", "proxy.process.http.per_server.current_connection_max.x", "", false},
		{"proxy.process.cache.volume_*.percent_full", "proxy.process.cache.volume_12.percent_full", "12", true},
		{"a*a", "aa", "", false}, // prefix and suffix may not overlap
		{"a*a", "aba", "b", true},
	}
	for _, tc := range tests {
		p, err := ParsePattern(tc.pattern)
		if err != nil {
			t.Fatal(err)
		}
		c, ok := p.Match(tc.name)
		if c != tc.capture || ok != tc.ok {
			t.Errorf("%s.Match(%s) = %q, %v; want %q, %v", tc.pattern, tc.name, c, ok, tc.capture, tc.ok)
		}
		if ok && Bind(tc.pattern, c) != tc.name {
			t.Errorf("Bind(%s, %s) = %s", tc.pattern, c, Bind(tc.pattern, c))
		}
	}
	for _, bad := range []string{"a.b", "a.*.*"} {
		if _, err := ParsePattern(bad); err == nil {
			t.Errorf("ParsePattern(%q) succeeded", bad)
		}
	}
}

// familySnap is one snapshot of a server whose remaps each served
// reqs[name] requests so far.
func familySnap(sec float64, reqs map[string]float64) Snapshot {
	v := map[string]Sample{"other.record": {Value: 1}}
	for name, n := range reqs {
		v["remap."+name+".requests"] = Sample{Value: n}
	}
	return Snapshot{Time: at(sec), Values: v}
}

func TestFamilyMembersAppearAndAgeOut(t *testing.T) {
	defs := []MetricDef{{Name: "Requests", Type: TypeCounter, Key: "remap.*.requests"}}
	st, err := NewStore(1, defs, time.Minute, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	fam := st.Series(0, 0)
	if !fam.IsFamily() {
		t.Fatal("a wildcard key makes no family")
	}
	st.Observe(0, familySnap(0, nil))
	if !fam.Missing() {
		t.Error("a family without a match is not missing")
	}
	for i := 1; i <= 5; i++ {
		reqs := map[string]float64{"a.example": float64(100 * i), "b.example": float64(10 * i)}
		if i >= 3 {
			reqs["new.example"] = float64(1000 * i) // appears later
		}
		st.Observe(0, familySnap(float64(i), reqs))
	}
	if got := strings.Join(fam.Members(), ","); got != "a.example,b.example,new.example" {
		t.Fatalf("members = %s", got)
	}
	if fam.Missing() {
		t.Error("a family with matches is missing")
	}
	if v, ok := fam.Member("a.example").Latest(); !ok || v != 100 {
		t.Errorf("a.example = %v, %v; want 100/s", v, ok)
	}
	// b.example vanishes; it is kept (its history is still in the window)
	// until a whole window has passed without it.
	for i := 6; i < 70; i++ {
		st.Observe(0, familySnap(float64(i), map[string]float64{"a.example": float64(100 * i), "new.example": float64(1000 * i)}))
		gone := fam.Member("b.example") == nil
		if want := float64(i)-5 > time.Minute.Seconds(); gone != want {
			t.Fatalf("at %ds b.example gone = %v, want %v", i, gone, want)
		}
	}
	// The reset rule reaches members: no spike across an outage.
	st.ResetHost(0)
	st.Observe(0, familySnap(200, map[string]float64{"a.example": 1e9}))
	if v, ok := fam.Member("a.example").Latest(); ok {
		t.Errorf("after a reset a.example = %v, want no value", v)
	}
}

func TestFamilyMembersAreBounded(t *testing.T) {
	defs := []MetricDef{{Name: "Conns", Type: TypeGauge, Key: "origin.*"}}
	st, _ := NewStore(1, defs, time.Minute, time.Second)
	reqs := map[string]Sample{}
	for i := range MaxFamilyMembers + 7 {
		reqs[fmt.Sprintf("origin.o%04d", i)] = Sample{Value: 1}
	}
	st.Observe(0, Snapshot{Time: at(1), Values: reqs})
	fam := st.Series(0, 0)
	if len(fam.Members()) != MaxFamilyMembers || fam.Untracked() != 7 {
		t.Errorf("members %d, untracked %d; want %d, 7", len(fam.Members()), fam.Untracked(), MaxFamilyMembers)
	}
	// The first by name are kept, whatever order the map yields.
	if last := fam.Members()[MaxFamilyMembers-1]; last != fmt.Sprintf("o%04d", MaxFamilyMembers-1) {
		t.Errorf("last member kept %s", last)
	}
}

func TestLinesTopAndRest(t *testing.T) {
	defs := []MetricDef{{Name: "Conns", Type: TypeGauge, Key: "origin.*"}}
	st, err := NewStore(2, defs, time.Minute, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	// Host 0 has a (10), b (5), c (1), d (2); host 1 has a (20) and e (4).
	for i := range 10 {
		st.Observe(0, Snapshot{Time: at(float64(i)), Values: map[string]Sample{
			"origin.a": {Value: 10}, "origin.b": {Value: 5}, "origin.c": {Value: 1}, "origin.d": {Value: 2}}})
		st.Observe(1, Snapshot{Time: at(float64(i)), Values: map[string]Sample{
			"origin.a": {Value: 20}, "origin.e": {Value: 4}}})
	}
	span := Span{End: at(9), Window: time.Minute}
	names := func(ls []Line) string {
		var out []string
		for _, l := range ls {
			if l.Rest > 0 {
				out = append(out, fmt.Sprintf("rest%d", l.Rest))
				continue
			}
			out = append(out, l.Member)
		}
		return strings.Join(out, ",")
	}
	if got := names(st.Lines(0, span, 0, OrderMean)); got != "a,b,e,d,c" {
		t.Errorf("all by mean = %s", got)
	}
	if got := names(st.Lines(0, span, 0, OrderName)); got != "a,b,c,d,e" {
		t.Errorf("all by name = %s", got)
	}
	ls := st.Lines(0, span, 2, OrderMean)
	if got := names(ls); got != "a,b,rest3" {
		t.Fatalf("top 2 = %s", got)
	}
	rest := ls[2]
	// Host 0's rest is c + d = 3 at every instant; host 1's is e = 4.
	for h, want := range []float64{3, 4} {
		if v, ok := rest.Hosts[h].Latest(); !ok || v != want {
			t.Errorf("host %d rest = %v, %v; want %v", h, v, ok, want)
		}
		if s := rest.Hosts[h].Hist.Summarize(span.Start(), span.End); s.N != 10 || s.Min != want || s.Max != want {
			t.Errorf("host %d rest history = %+v", h, s)
		}
	}
	// b is host 0's only: host 1 draws nothing for it.
	if ls[1].Hosts[1].Hist.Len() != 0 {
		t.Error("a member a host lacks has points there")
	}
	// One left over is drawn as itself, not as "1 other".
	if got := names(st.Lines(0, span, 4, OrderMean)); got != "a,b,e,d,c" {
		t.Errorf("top 4 of 5 = %s", got)
	}
}

func TestPatternInSelectors(t *testing.T) {
	tests := []struct {
		name    string
		pattern bool
		bound   string
	}{
		{`node_network_receive_bytes_total{device="*"}`, true, `node_network_receive_bytes_total{device="X"}`},
		{`node_network_receive_bytes_total{device!~"lo|veth.*"}`, false, ""},
		{`node_cpu_seconds_total{cpu="*",mode=~"user|sys.*"}`, true, `node_cpu_seconds_total{cpu="X",mode=~"user|sys.*"}`},
		{`rate(x[1m]) * 100`, false, ""},
		{`a*b`, true, "aXb"},
		{`sum by (a) (rate(x{a="*"}[1m]))`, true, `sum by (a) (rate(x{a="X"}[1m]))`},
		{`sum(rate(x{a=~"b.*"}[1m])) * 8`, false, ""},
		{`x{a!="*"}`, false, ""},
		{`x{a!="*",b="*"}`, true, `x{a!="*",b="X"}`},
	}
	for _, tc := range tests {
		if IsPattern(tc.name) != tc.pattern {
			t.Errorf("IsPattern(%s) = %v", tc.name, !tc.pattern)
			continue
		}
		if tc.pattern {
			if got := Bind(tc.name, "X"); got != tc.bound {
				t.Errorf("Bind(%s) = %s, want %s", tc.name, got, tc.bound)
			}
			p, err := ParsePattern(tc.name)
			if err != nil {
				t.Fatal(err)
			}
			if c, ok := p.Match(tc.bound); !ok || c != "X" {
				t.Errorf("%s does not match its own binding: %q %v", tc.name, c, ok)
			}
		}
	}
}

// A record whose matched part has a wildcard of its own makes a plain
// member, not a family inside the family.
func TestFamilyMemberWithWildcardInName(t *testing.T) {
	st, _ := NewStore(1, []MetricDef{{Name: "C", Type: TypeGauge, Key: "origin.*"}}, time.Minute, time.Second)
	st.Observe(0, Snapshot{Time: at(1), Values: map[string]Sample{"origin.a*b": {Value: 3}, "origin.*": {Value: 4}}})
	fam := st.Series(0, 0)
	if got := strings.Join(fam.Members(), ","); got != "*,a*b" {
		t.Fatalf("members %q", got)
	}
	for _, c := range fam.Members() {
		if m := fam.Member(c); m.IsFamily() {
			t.Errorf("member %q is a family", c)
		}
	}
	if v, ok := fam.Member("a*b").Latest(); !ok || v != 3 {
		t.Errorf("a*b = %v, %v", v, ok)
	}
}

// The * matches dots, so a volume's bytes_used pattern also matches the
// record of the volume's RAM cache; that is a record deeper under volume 0,
// not a volume "0.ram_cache" (a real 10.2 has both).
func TestFamilyLeavesOutDeeperRecords(t *testing.T) {
	st, _ := NewStore(1, []MetricDef{{Name: "Used", Type: TypeGauge, Key: "proxy.process.cache.volume_*.bytes_used"},
		{Name: "5xx", Type: TypeGauge, Key: "plugin.remap_stats.*.status_5xx"}}, time.Minute, time.Second)
	st.Observe(0, Snapshot{Time: at(1), Values: map[string]Sample{
		"proxy.process.cache.volume_0.bytes_used":           {Value: 1},
		"proxy.process.cache.volume_0.ram_cache.bytes_used": {Value: 2},
		"proxy.process.cache.volume_1.bytes_used":           {Value: 3},
		"proxy.process.cache.volume_2.ram_cache.bytes_used": {Value: 4}, // no volume_2 itself: kept
		"plugin.remap_stats.www.example.com.status_5xx":     {Value: 5},
		"plugin.remap_stats.img.example.com.status_5xx":     {Value: 6},
		"plugin.remap_stats.example.com.status_5xx":         {Value: 7}, // not a dotted prefix of the others
	}})
	if got := strings.Join(st.Series(0, 0).Members(), ","); got != "0,1,2.ram_cache" {
		t.Errorf("volumes %s", got)
	}
	if got := strings.Join(st.Series(0, 1).Members(), ","); got != "example.com,img.example.com,www.example.com" {
		t.Errorf("remaps %s", got)
	}
}

// BenchmarkLinesFamily200 is what a chart of a full family (200 members, a
// minute of history each, 4 hosts) asks on every redraw: its top 5 and the
// rest.
func BenchmarkLinesFamily200(b *testing.B) {
	st, _ := NewStore(4, []MetricDef{{Name: "Open", Type: TypeGauge, Key: "origin.*"}}, time.Minute, time.Second)
	for sec := range 60 {
		v := map[string]Sample{}
		for i := range MaxFamilyMembers {
			v[fmt.Sprintf("origin.o%03d", i)] = Sample{Value: float64(i + sec%7)}
		}
		for h := range 4 {
			st.Observe(h, Snapshot{Time: at(float64(sec)), Values: v})
		}
	}
	span := Span{End: at(59), Window: time.Minute}
	b.ReportAllocs()
	for b.Loop() {
		st.Lines(0, span, 5, OrderMean)
	}
}

// outermost looks a capture's prefixes up among those kept so far; it
// keeps what a lookup in the set of every capture keeps.
func TestOutermostAgreesWithTheSetOfAll(t *testing.T) {
	// A capture is left out when another, and a dot, begin it.
	reference := func(captures []string) []string {
		set := map[string]bool{}
		for _, c := range captures {
			set[c] = true
		}
		var out []string
		for _, c := range captures {
			deeper := false
			for i := 1; i < len(c); i++ {
				deeper = deeper || c[i] == '.' && set[c[:i]]
			}
			if !deeper {
				out = append(out, c)
			}
		}
		return out
	}
	parts := []string{"a", "b", "0", "ram_cache", "example", "com", "", "cdn"}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		var captures []string
		for range rng.IntN(8) {
			var segs []string
			for range 1 + rng.IntN(4) {
				segs = append(segs, parts[rng.IntN(len(parts))])
			}
			captures = append(captures, strings.Join(segs, "."))
		}
		slices.Sort(captures)
		captures = slices.Compact(captures)
		want := reference(captures)
		if got := outermost(slices.Clone(captures)); !slices.Equal(got, want) {
			t.Fatalf("outermost(%q) = %q, want %q", captures, got, want)
		}
	}
}
