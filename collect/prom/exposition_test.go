package prom

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readProm(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustExposition(t *testing.T, name string) (*exposition, []string) {
	t.Helper()
	e, warnings, err := parseExposition(readProm(t, name))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return e, warnings
}

func selectKey(t *testing.T, e *exposition, key string) selection {
	t.Helper()
	sel, err := parseSelector(key)
	if err != nil {
		t.Fatal(err)
	}
	return e.sel(sel)
}

func TestExpositionNodeExporter(t *testing.T) {
	e, warnings := mustExposition(t, "node_exporter_1.5.0.txt")
	if len(warnings) != 0 {
		t.Errorf("warnings: %v", warnings)
	}
	tests := []struct {
		key string
		n   int
		sum float64
		typ string
	}{
		{"node_load1", 1, 1.53, "gauge"},
		{`node_cpu_seconds_total{cpu="0",mode="idle"}`, 1, 3242.24, "counter"},
		{`node_cpu_seconds_total{mode="idle"}`, 2, -1, "counter"},
		{`node_cpu_seconds_total{mode!="idle"}`, 14, -1, "counter"},
		{`node_cpu_seconds_total`, 16, -1, "counter"},
		{`node_network_receive_bytes_total{device="lo"}`, 1, 1.5898078e+07, "counter"},
		{`node_network_receive_bytes_total{device!~"lo|ifb.*"}`, 1, 9.188571e+07, "counter"},
		{`node_filesystem_size_bytes{mountpoint="/"}`, 1, 2.70553174016e+11, "gauge"},
		{`go_gc_duration_seconds{quantile="0.5"}`, 1, 0, "summary"},
		{`go_gc_duration_seconds_count`, 1, 0, "summary"},
		{`node_netstat_Tcp_CurrEstab`, 1, -1, "untyped"},
		{`node_no_such_metric`, 0, 0, ""},
		{`node_load1{x="y"}`, 0, 0, ""},
	}
	for _, tc := range tests {
		got := selectKey(t, e, tc.key)
		if got.n != tc.n || (tc.sum >= 0 && got.sum != tc.sum) || got.typ != tc.typ {
			t.Errorf("%s: %d series, sum %g, type %q; want %d, %g, %q", tc.key, got.n, got.sum, got.typ, tc.n, tc.sum, tc.typ)
		}
	}
	// Busy and idle seconds add up to all seconds.
	busy := selectKey(t, e, `node_cpu_seconds_total{mode!="idle"}`).sum
	idle := selectKey(t, e, `node_cpu_seconds_total{mode="idle"}`).sum
	all := selectKey(t, e, `node_cpu_seconds_total`).sum
	if math.Abs(busy+idle-all) > 1e-6 {
		t.Errorf("busy %g + idle %g != all %g", busy, idle, all)
	}
}

func TestExpositionHistogramsAndSummaries(t *testing.T) {
	e, _ := mustExposition(t, "histogram.txt")

	// The family's own name: _count for the value, and the buckets.
	got := selectKey(t, e, `http_request_duration_seconds{handler="/api"}`)
	if got.n != 1 || got.sum != 200 || got.typ != "histogram" {
		t.Errorf("histogram /api: %+v", got)
	}
	want := map[float64]float64{0.05: 100, 0.1: 150, 0.5: 190, 1: 199, math.Inf(1): 200}
	if len(got.buckets) != len(want) {
		t.Errorf("buckets %v, want %v", got.buckets, want)
	}
	for le, n := range want {
		if got.buckets[le] != n {
			t.Errorf("bucket le=%g: %g, want %g", le, got.buckets[le], n)
		}
	}
	// Summed over both handlers, bucket by bucket.
	all := selectKey(t, e, `http_request_duration_seconds`)
	if all.sum != 210 || all.buckets[0.05] != 110 || all.buckets[math.Inf(1)] != 210 {
		t.Errorf("both handlers: %+v", all)
	}
	// The series the text spelled out are selectable as such.
	for key, wantSum := range map[string]float64{
		`http_request_duration_seconds_bucket{le="0.1"}`:                 160,
		`http_request_duration_seconds_bucket{handler="/api",le="+Inf"}`: 200,
		`http_request_duration_seconds_sum`:                              21.7,
		`http_request_duration_seconds_count{handler="/static"}`:         10,
		`rpc_duration_seconds{quantile="0.99"}`:                          0.25,
		`rpc_duration_seconds_count`:                                     1000,
		`rpc_duration_seconds_sum`:                                       17.5,
		`queue_length`:                                                   7,
		`bytes_total{dir="rx"}`:                                          2e9,
		`temperature_celsius{sensor="d"}`:                                21.5,
	} {
		if got := selectKey(t, e, key); got.n == 0 || math.Abs(got.sum-wantSum) > 1e-9 {
			t.Errorf("%s: %+v, want sum %g", key, got, wantSum)
		}
		if got := selectKey(t, e, key); got.buckets != nil {
			t.Errorf("%s: buckets for a series that is not the histogram's own name", key)
		}
	}
	// A summary's quantiles are series of their own; summing them is
	// noticed.
	if got := selectKey(t, e, `rpc_duration_seconds`); len(got.quants) != 2 {
		t.Errorf("summary quantiles seen: %v", got.quants)
	}
	if got := selectKey(t, e, `rpc_duration_seconds{quantile="0.5"}`); len(got.quants) != 1 {
		t.Errorf("one quantile: %v", got.quants)
	}
}

func TestExpositionNaNAndInf(t *testing.T) {
	e, _ := mustExposition(t, "histogram.txt")
	for key, check := range map[string]func(float64) bool{
		`temperature_celsius{sensor="a"}`: math.IsNaN,
		`temperature_celsius{sensor="b"}`: func(v float64) bool { return math.IsInf(v, 1) },
		`temperature_celsius{sensor="c"}`: func(v float64) bool { return math.IsInf(v, -1) },
		// As PromQL's sum: NaN wins. Derivations treat it as no value.
		`temperature_celsius`: math.IsNaN,
	} {
		if got := selectKey(t, e, key); got.n == 0 || !check(got.sum) {
			t.Errorf("%s: %+v", key, got)
		}
	}
}

func TestExpositionDuplicates(t *testing.T) {
	e, warnings := mustExposition(t, "duplicates.txt")
	if got := selectKey(t, e, `requests_total`); got.sum != 11 || got.n != 2 {
		t.Errorf("requests_total: %+v, want the first 200 (10) + 500 (1)", got)
	}
	if got := selectKey(t, e, `lag_seconds`); got.buckets[1] != 1 {
		t.Errorf("lag_seconds buckets: %v, want the first le=1", got.buckets)
	}
	joined := strings.Join(warnings, "\n")
	if len(warnings) != 2 || !strings.Contains(joined, `duplicate series requests_total{code="200"}`) ||
		!strings.Contains(joined, `lag_seconds_bucket{le="1"}`) {
		t.Errorf("warnings: %q", warnings)
	}
}

func TestExpositionManyDuplicatesBounded(t *testing.T) {
	var b strings.Builder
	for i := 0; i < 100; i++ {
		b.WriteString("x 1\n")
	}
	_, warnings, err := parseExposition([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != maxDuplicateWarnings+1 || !strings.Contains(warnings[len(warnings)-1], "96 more") {
		t.Errorf("warnings: %q", warnings)
	}
}

func TestExpositionMissingInfBucket(t *testing.T) {
	e, _ := mustExposition(t, "histogram_no_inf.txt")
	got := selectKey(t, e, "job_seconds")
	if got.n != 1 || got.sum != 8 || len(got.buckets) != 2 {
		t.Errorf("job_seconds: %+v", got)
	}
	if _, ok := got.buckets[math.Inf(1)]; ok {
		t.Error("a +Inf bucket appeared")
	}
}

func TestExpositionMalformed(t *testing.T) {
	for _, name := range []string{
		"malformed_unclosed_labels.txt", "malformed_second_type.txt", "malformed_value.txt",
		"malformed_html.txt", "malformed_trailing.txt",
	} {
		if _, _, err := parseExposition(readProm(t, name)); err == nil {
			t.Errorf("%s: accepted", name)
		} else if !strings.Contains(err.Error(), "line") {
			t.Errorf("%s: error %q does not say where", name, err)
		}
	}
	// Empty is fine: an exporter with nothing to say.
	if e, _, err := parseExposition(nil); err != nil || len(e.byName) != 0 {
		t.Errorf("empty body: %v, %v", e, err)
	}
}

func TestExpositionUTF8Names(t *testing.T) {
	body := "# TYPE \"my.metric\" gauge\n{\"my.metric\",\"the label\"=\"v\"} 3\n"
	e, _, err := parseExposition([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if got := selectKey(t, e, `{__name__="my.metric"}`); got.sum != 3 {
		t.Errorf("UTF-8 name: %+v", got)
	}
}

// BenchmarkParseNodeExporter measures one scrape's parsing and the node
// dashboard's selections: the prom source's work per tick.
func BenchmarkParseNodeExporter(b *testing.B) {
	body, err := os.ReadFile(filepath.Join("testdata", "node_exporter_1.5.0.txt"))
	if err != nil {
		b.Fatal(err)
	}
	sel, _ := parseSelector(`node_cpu_seconds_total{mode!="idle"}`)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		e, _, err := parseExposition(body)
		if err != nil {
			b.Fatal(err)
		}
		e.sel(sel)
	}
}
