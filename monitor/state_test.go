package monitor

import (
	"errors"
	"testing"
	"time"

	"github.com/traffic-grapher/traffic_grapher/collect"
	"github.com/traffic-grapher/traffic_grapher/config"
	"github.com/traffic-grapher/traffic_grapher/metrics"
)

var t0 = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

func oneCounter() *config.Dashboard {
	return &config.Dashboard{Pages: []config.Page{{Name: "P", Panels: []config.Panel{{Title: "T",
		Metrics: []config.Metric{{Name: "Requests", Type: config.TypeCounter, Key: "req"}}}}}}}
}

func answer(host int, sec, req float64) collect.Result {
	return collect.Result{Host: host, Snapshot: metrics.Snapshot{
		Time:   t0.Add(time.Duration(sec * float64(time.Second))),
		Values: map[string]metrics.Sample{"req": {Value: req}},
	}}
}

func failure(host int, sec float64) collect.Result {
	return collect.Result{Host: host, Snapshot: metrics.Snapshot{Time: t0.Add(time.Duration(sec * float64(time.Second)))},
		Err: errors.New("connection refused")}
}

// A host that fails and answers again starts its rates afresh: the
// requests it served while unreachable are not rated as if they came in
// its first second back. The rule holds whoever applies the results (the
// screen, --once, a test).
func TestApplyResetsRatesWhenAHostComesBack(t *testing.T) {
	s, err := New(oneCounter(), []string{"edge1", "edge2"}, time.Minute, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i <= 3; i++ {
		s.Apply(answer(0, float64(i), float64(100*i)))
	}
	if v, ok := s.Store().Series(0, 0).Latest(); !ok || v != 100 {
		t.Fatalf("rate before the outage %v, %v; want 100", v, ok)
	}
	s.Apply(failure(0, 4))
	s.Apply(failure(0, 5))
	if errs := s.Errors(); len(errs) != 1 || errs[0] != "edge1: connection refused (2 failures in a row)" {
		t.Fatalf("errors %q", errs)
	}
	// Back after 10 s, having served 5000 requests meanwhile.
	s.Apply(answer(0, 14, 5300))
	if _, ok := s.Store().Series(0, 0).Latest(); ok {
		t.Fatal("a rate on the first answer after an outage: the baseline was not reset")
	}
	s.Apply(answer(0, 15, 5400))
	s.Apply(answer(0, 16, 5500))
	if v, ok := s.Store().Series(0, 0).Latest(); !ok || v != 100 {
		t.Fatalf("rate after the outage %v, %v; want 100, no spike", v, ok)
	}
	if len(s.Errors()) != 0 {
		t.Fatalf("errors stayed after recovery: %q", s.Errors())
	}
	if got := s.Newest(); !got.Equal(t0.Add(16 * time.Second)) {
		t.Fatalf("newest %s", got)
	}
	// The other host is untouched, and a result for no host is ignored.
	s.Apply(collect.Result{Host: 7})
	if _, ok := s.Store().Series(1, 0).Latest(); ok {
		t.Fatal("edge2 has a value it was never sent")
	}
}

func TestWarningsAndAllHaveValues(t *testing.T) {
	s, err := New(oneCounter(), []string{"edge1"}, time.Minute, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if s.AllHaveValues() {
		t.Fatal("values before any result")
	}
	r := answer(0, 0, 1)
	r.Warnings = []string{"a: not reported", "b: not reported"}
	s.Apply(r)
	if got := s.Warnings(); len(got) != 1 || got[0] != "edge1: a: not reported (+1 more)" {
		t.Errorf("warnings %q", got)
	}
	if got := s.AllWarnings(); len(got) != 2 || got[1] != "edge1: b: not reported" {
		t.Errorf("all warnings %q", got)
	}
	for i := 1; i <= 2; i++ {
		s.Apply(answer(0, float64(i), float64(1+10*i)))
	}
	if !s.AllHaveValues() {
		t.Error("no value after three answers")
	}
}

func TestMetricDefsFollowTheDashboardsIDs(t *testing.T) {
	d := &config.Dashboard{Pages: []config.Page{
		{Panels: []config.Panel{{Metrics: []config.Metric{{Name: "a", Type: "gauge", Key: "x"}, {Name: "b", Type: "gauge", Key: "y"}}}}},
		{Panels: []config.Panel{{Metrics: []config.Metric{{Name: "c", Type: "gauge", Key: "z"}}}, {Metrics: []config.Metric{{Name: "d", Type: "gauge", Key: "w"}}}}},
	}}
	defs := MetricDefs(d)
	for ref := range d.Metrics() {
		if defs[ref.ID].Name != ref.Metric.Name || d.MetricID(ref.Page, ref.Panel, ref.Index) != ref.ID {
			t.Errorf("metric %s: def %d is %q; MetricID gives %d", ref.Metric.Name, ref.ID, defs[ref.ID].Name, d.MetricID(ref.Page, ref.Panel, ref.Index))
		}
	}
	if len(defs) != 4 || defs[3].Name != "d" {
		t.Fatalf("defs %+v", defs)
	}
}
