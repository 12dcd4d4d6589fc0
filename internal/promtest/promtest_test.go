package promtest

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// recordingTB stands in for a testing.TB to observe Skip and Fatal, which
// stop the calling goroutine as the real ones do.
type recordingTB struct {
	testing.TB
	skipped, fatal string
}

func (r *recordingTB) Helper() {}
func (r *recordingTB) Skip(args ...any) {
	r.skipped = fmt.Sprint(args...)
	runtime.Goexit()
}
func (r *recordingTB) Fatalf(format string, args ...any) {
	r.fatal = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func runTB(f func(testing.TB)) *recordingTB {
	r := &recordingTB{}
	var wg sync.WaitGroup
	wg.Go(func() { f(r) })
	wg.Wait()
	return r
}

func TestRequireProgramMissing(t *testing.T) {
	t.Setenv("CI", "")
	r := runTB(func(tb testing.TB) { RequireProgram(tb, "prometheus-no-such-program") })
	if !strings.Contains(r.skipped, "prometheus-no-such-program not installed") ||
		!strings.Contains(r.skipped, "scripts/install-test-deps") || r.fatal != "" {
		t.Errorf("skipped %q, fatal %q", r.skipped, r.fatal)
	}
	t.Setenv("CI", "true")
	r = runTB(func(tb testing.TB) { RequireProgram(tb, "prometheus-no-such-program") })
	if !strings.Contains(r.fatal, "not installed") || r.skipped != "" {
		t.Errorf("under CI: skipped %q, fatal %q", r.skipped, r.fatal)
	}
}

func TestRequireProgramNamesPackage(t *testing.T) {
	t.Setenv("CI", "")
	debianPackages["tg-no-such-exporter"] = "tg-exporter-package"
	t.Cleanup(func() { delete(debianPackages, "tg-no-such-exporter") })
	r := runTB(func(tb testing.TB) { RequireProgram(tb, "tg-no-such-exporter") })
	if !strings.Contains(r.skipped, "(Debian package tg-exporter-package)") {
		t.Errorf("skipped %q", r.skipped)
	}
}

func TestScrapeConfig(t *testing.T) {
	got := scrapeConfig([]string{"127.0.0.1:9100"})
	for _, want := range []string{"scrape_interval: 1s", `targets: ["127.0.0.1:9100"]`, "job_name: node"} {
		if !strings.Contains(got, want) {
			t.Errorf("config lacks %q:\n%s", want, got)
		}
	}
	if got := scrapeConfig(nil); !strings.Contains(got, "targets: []") {
		t.Errorf("no targets:\n%s", got)
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
