package pages

import (
	"strings"
	"testing"

	"github.com/traffic-grapher/traffic_grapher/metrics"
)

// The node dashboards are read by sources whose keys are selectors (prom)
// or PromQL (promql); collect's tests check that every key parses and
// that a real node_exporter and Prometheus fill the panels. Here: the
// shape, and that both show the same panels.
func TestNodeDashboards(t *testing.T) {
	prom, ok := Lookup("node")
	if !ok {
		t.Fatal("no node dashboard")
	}
	promql, ok := Lookup("node-promql")
	if !ok {
		t.Fatal("no node-promql dashboard")
	}
	for name, d := range map[string]interface{ Validate() error }{"node": prom, "node-promql": promql} {
		if err := d.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if len(prom.Pages) != len(promql.Pages) {
		t.Fatalf("node has %d pages, node-promql %d", len(prom.Pages), len(promql.Pages))
	}
	for i, p := range prom.Pages {
		q := promql.Pages[i]
		if p.Name != q.Name || len(p.Panels) != len(q.Panels) {
			t.Errorf("page %d: %q (%d panels) vs %q (%d panels)", i, p.Name, len(p.Panels), q.Name, len(q.Panels))
			continue
		}
		for j, pn := range p.Panels {
			qn := q.Panels[j]
			if pn.Title != qn.Title || len(pn.Metrics) != len(qn.Metrics) {
				t.Errorf("panel %q vs %q: titles or metric counts differ", pn.Title, qn.Title)
				continue
			}
			for k, m := range pn.Metrics {
				qm := qn.Metrics[k]
				if m.Name != qm.Name || m.Color != qm.Color {
					t.Errorf("%s: metric %q %s vs %q %s", pn.Title, m.Name, m.Color, qm.Name, qm.Color)
				}
				pu, _ := metrics.LookupType(metrics.Type(m.Type))
				qu, _ := metrics.LookupType(metrics.Type(qm.Type))
				if pu.Unit != qu.Unit {
					t.Errorf("%s/%s: shown as %v by node, %v by node-promql", pn.Title, m.Name, pu.Unit, qu.Unit)
				}
				if m.Color == "" {
					t.Errorf("%s/%s: no colour", pn.Title, m.Name)
				}
				for _, key := range []string{qm.Key, qm.Key2} {
					if key != "" && !strings.Contains(key, `instance="$host"`) {
						t.Errorf("node-promql %s/%s: %s does not select $host's instance", pn.Title, m.Name, key)
					}
				}
			}
		}
	}
}
