package record

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/traffic-grapher/traffic_grapher/internal/simulator"
	"github.com/traffic-grapher/traffic_grapher/metrics"
)

// BenchmarkSample is recording one host's sample of the built-in
// dashboard (205 records) to a file: coding and one write. Four hosts a
// second cost four of these a second.
func BenchmarkSample(b *testing.B) {
	clock := newSimClock(t0)
	sim := simulator.StartForTest(b, clock.options(1))
	var snaps []map[string]metrics.Sample
	for i := range 120 {
		clock.set(t0.Add(time.Duration(120+i) * time.Second))
		v := map[string]metrics.Sample{}
		dashboardValues(sim, v)
		snaps = append(snaps, v)
	}
	w, err := Create(filepath.Join(b.TempDir(), "rec"), []Host{{Name: "edge1"}}, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if err := w.Sample(0, t0.Add(time.Duration(i)*time.Second), snaps[i%len(snaps)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(w.Bytes())/float64(i), "bytes/sample")
}

// BenchmarkRead is reading one such sample back.
func BenchmarkRead(b *testing.B) {
	path := filepath.Join(b.TempDir(), "rec")
	w, _ := Create(path, []Host{{Name: "edge1"}}, Options{})
	es := entries()
	for i := range 2000 {
		w.Sample(0, t0.Add(time.Duration(i)*time.Second), es[i%len(es)].Values)
	}
	w.Close()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ReadFile(path, func(Entry) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/2000, "ns/entry")
}
