package pages

import (
	"reflect"
	"slices"
	"testing"

	"github.com/traffic-grapher/traffic_grapher/config"
	"github.com/traffic-grapher/traffic_grapher/metrics"
)

func TestDefault(t *testing.T) {
	d := Default()
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	// The original tool's four pages first, then those with every figure
	// traffic_top shows.
	var names []string
	for _, p := range d.Pages {
		names = append(names, p.Name)
	}
	want := []string{"Traffic & Cache", "Response Codes", "TLS & HTTP/2", "Network & Errors",
		"Overview", "Responses", "Connections", "Cache", "DNS", "SSL/TLS", "Errors", "Performance", "HTTP/2",
		"Origins", "Remaps", "Volumes"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("pages %q, want %q", names, want)
	}
	for _, p := range d.Pages {
		// Every page is full but Origins, two charts over a wide table.
		if want := map[bool]int{true: 3, false: 4}[p.Name == "Origins"]; len(p.Panels) != want {
			t.Errorf("page %q has %d panels, want %d", p.Name, len(p.Panels), want)
		}
		// The wildcard pages, and only they, are optional: left out
		// where no host has their records.
		family := false
		for _, pn := range p.Panels {
			for _, m := range pn.Metrics {
				_, f := m.Def().Pattern()
				family = family || f
			}
		}
		if p.Optional != family {
			t.Errorf("page %q: optional %v, has wildcard keys %v", p.Name, p.Optional, family)
		}
		for _, pn := range p.Panels {
			for _, m := range pn.Metrics {
				kind, ok := metrics.LookupType(metrics.Type(m.Type))
				if !ok {
					t.Errorf("%s/%s: unknown type %q", pn.Title, m.Name, m.Type)
				}
				if kind.NeedsKey2() && m.Key2 == "" {
					t.Errorf("%s/%s: %s without key2", pn.Title, m.Name, m.Type)
				}
				if (m.Type == config.TypeLatency || m.Type == config.TypeHitRate) && m.Key2 == "" {
					t.Errorf("%s/%s: %s without key2", pn.Title, m.Name, m.Type)
				}
				if _, family := m.Def().Pattern(); m.Color == "" && !family {
					t.Errorf("%s/%s: no colour", pn.Title, m.Name)
				}
			}
		}
	}
	keys := d.Keys()
	if !slices.Contains(keys, "proxy.process.http2.current_client_connections") {
		t.Errorf("Keys() lacks proxy.process.http2.current_client_connections: %v", keys)
	}
	for _, k := range keys {
		if k == "proxy.process.http2.current_client_sessions" {
			t.Errorf("Keys() has %s, which no ATS release has", k)
		}
	}
}

func TestDefaultIndependentCopies(t *testing.T) {
	a, b := Default(), Default()
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two calls differ")
	}
	a.Pages[0].Name = "changed"
	a.Pages[0].Panels[0].Metrics[0].Key = "changed"
	a.Pages[1].Panels = nil
	a.Pages = append(a.Pages, config.Page{Name: "extra"})
	c := Default()
	if !reflect.DeepEqual(b, c) {
		t.Errorf("changing one copy changed another")
	}
	if c.Pages[0].Name != "Traffic & Cache" || c.Pages[3].Name != "Network & Errors" || len(c.Pages) != len(b.Pages) {
		t.Errorf("Default changed: %+v", c.Pages[0])
	}
}

func TestNamesLookup(t *testing.T) {
	names := Names()
	if !reflect.DeepEqual(names, []string{"ats", "node", "node-promql"}) {
		t.Errorf("Names() = %v", names)
	}
	for _, n := range names {
		d, ok := Lookup(n)
		if !ok || d == nil {
			t.Fatalf("Lookup(%q) failed", n)
		}
		if err := d.Validate(); err != nil {
			t.Errorf("%s: %v", n, err)
		}
		src, ok := YAML(n)
		if !ok || len(src) == 0 {
			t.Errorf("YAML(%q) empty", n)
		}
	}
	if d, ok := Lookup("nope"); ok || d != nil {
		t.Errorf("Lookup(nope) = %v, %v", d, ok)
	}
	if d, _ := Lookup(DefaultName); !reflect.DeepEqual(d, Default()) {
		t.Errorf("Lookup(DefaultName) differs from Default()")
	}
}

// The built-in dashboard's fleet columns all resolve.
func TestDefaultFleetColumns(t *testing.T) {
	d := Default()
	cols := d.FleetColumns()
	if len(cols) != 6 || len(d.Fleet) != 6 {
		t.Fatalf("fleet columns %+v", cols)
	}
	for _, c := range cols {
		if c.ID < 0 {
			t.Errorf("column %q resolves to no metric", c.Title)
		}
	}
}
