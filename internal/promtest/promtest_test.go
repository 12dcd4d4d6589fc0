package promtest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// RequireProgram and the process handling are tested in
// internal/testproc, which they come from.

func TestScrapeConfig(t *testing.T) {
	for _, tc := range []struct {
		job  Scrape
		want []string
	}{
		{Scrape{Job: "node", Targets: []string{"127.0.0.1:9100"}},
			[]string{"scrape_interval: 1s", `static_configs: [{"targets":["127.0.0.1:9100"]}]`, `job_name: "node"`, `metrics_path: "/metrics"`}},
		{Scrape{Job: "node"}, []string{`static_configs: [{"targets":[]}]`}},
		{Scrape{Job: "ats", Path: "/_stats/prometheus", Targets: []string{"a:1", "b:2"}, Labels: []map[string]string{{"host": "edge1"}, {"host": "edge\"2"}}},
			[]string{`{"targets":["a:1"],"labels":{"host":"edge1"}}`, `{"targets":["b:2"],"labels":{"host":"edge\"2"}}`, `metrics_path: "/_stats/prometheus"`}},
	} {
		got := scrapeConfig(tc.job)
		for _, want := range tc.want {
			if !strings.Contains(got, want) {
				t.Errorf("config lacks %q:\n%s", want, got)
			}
		}
	}
}

// TestNodeExporterAndPrometheus starts both programs and checks that
// Prometheus has the exporter's series, then that both are gone after
// Stop.
func TestNodeExporterAndPrometheus(t *testing.T) {
	start := time.Now()
	ne := StartNodeExporter(t)
	t.Logf("node_exporter ready in %v", time.Since(start).Round(time.Millisecond))
	if err := checkGet(ne.URL, time.Now().Add(5*time.Second), `node_network_receive_bytes_total{device="lo"}`); err != nil {
		t.Errorf("loopback not exported: %v", err)
	}

	start = time.Now()
	prom := StartPrometheus(t, ne.Addr)
	t.Logf("prometheus ready in %v", time.Since(start).Round(time.Millisecond))
	start = time.Now()
	query := fmt.Sprintf(`node_load1{instance=%q,job="node"}`, ne.Addr)
	prom.WaitForData(query)
	t.Logf("first data in %v", time.Since(start).Round(time.Millisecond))
	n, _, err := prom.Query(context.Background(), query)
	if err != nil || n != 1 {
		t.Errorf("Query(%s) = %d series, %v", query, n, err)
	}
	if _, _, err := prom.Query(context.Background(), "rate(("); err == nil {
		t.Error("a bad query gave no error")
	}

	prom.Stop()
	ne.Stop()
	prom.Stop() // again: nothing
	if err := checkGet(ne.URL, time.Now().Add(time.Second), ""); err == nil {
		t.Error("node_exporter still answers after Stop")
	}
	if _, _, err := prom.Query(context.Background(), "1"); err == nil {
		t.Error("prometheus still answers after Stop")
	}
}
