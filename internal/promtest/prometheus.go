package promtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/traffic-grapher/traffic_grapher/internal/testproc"
)

// Prometheus is a running prometheus server (see StartPrometheus).
type Prometheus struct {
	// Addr is "127.0.0.1:PORT", URL "http://127.0.0.1:PORT".
	Addr, URL string

	t    testing.TB
	log  *testproc.LogBuffer
	proc *testproc.Proc
}

// ScrapeInterval is how often StartPrometheus's server scrapes its
// targets: short, so tests have data within seconds.
const ScrapeInterval = time.Second

// StartPrometheus starts a Prometheus server on 127.0.0.1 and a free port,
// with a configuration of its own that scrapes each target ("HOST:PORT",
// path /metrics, job "node") every ScrapeInterval, and a new storage
// directory. It returns once the server says it is ready and /-/ready
// agrees; use WaitForData for the first scrape. It is stopped when the
// test ends; if the test failed, its log is printed.
//
// Each target's instance label is the target as given, which is what a
// promql endpoint's #host names.
func StartPrometheus(t testing.TB, targets ...string) *Prometheus {
	t.Helper()
	return StartPrometheusWith(t, Scrape{Job: "node", Targets: targets})
}

// Scrape is one scrape job of StartPrometheusWith's server.
type Scrape struct {
	Job     string
	Path    string // "" is /metrics
	Targets []string
	// Labels, if set, are target i's own labels (relabelled names, a POP).
	Labels []map[string]string
}

// StartPrometheusWith is StartPrometheus with a job of one's own.
func StartPrometheusWith(t testing.TB, job Scrape) *Prometheus {
	t.Helper()
	path := RequireProgram(t, "prometheus")
	p := &Prometheus{t: t, log: &testproc.LogBuffer{}}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfg, []byte(scrapeConfig(job)), 0o600); err != nil {
		t.Fatalf("writing %s: %v", cfg, err)
	}
	t.Cleanup(func() {
		if log := p.log.String(); t.Failed() && log != "" {
			t.Logf("prometheus %s log:\n%s", p.Addr, log)
		}
	})
	t.Cleanup(p.Stop)
	attempt := 0
	testproc.OnFreePort(t, "prometheus", func(port int) error {
		// A new storage directory per attempt: nothing of a failed start
		// carries over.
		data := filepath.Join(dir, "data"+strconv.Itoa(attempt))
		attempt++
		return p.start(path, port, cfg, data, dir)
	})
	return p
}

// scrapeConfig is prometheus.yml for a job. JSON is YAML, and quotes
// every target and label safely.
func scrapeConfig(job Scrape) string {
	type staticConfig struct {
		Targets []string          `json:"targets"`
		Labels  map[string]string `json:"labels,omitempty"`
	}
	var static []staticConfig
	switch {
	case job.Labels != nil:
		for i, target := range job.Targets {
			static = append(static, staticConfig{Targets: []string{target}, Labels: job.Labels[i]})
		}
	default:
		static = []staticConfig{{Targets: append([]string{}, job.Targets...)}}
	}
	path := job.Path
	if path == "" {
		path = "/metrics"
	}
	sc, _ := json.Marshal(static)
	name, _ := json.Marshal(job.Job)
	mp, _ := json.Marshal(path)
	return fmt.Sprintf(`global:
  scrape_interval: %s
  scrape_timeout: %s
  evaluation_interval: %s
scrape_configs:
  - job_name: %s
    metrics_path: %s
    static_configs: %s
`, ScrapeInterval, ScrapeInterval, ScrapeInterval, name, mp, sc)
}

func (p *Prometheus) start(path string, port int, cfg, data, dir string) error {
	p.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	p.URL = "http://" + p.Addr
	args := []string{
		"--config.file=" + cfg,
		"--storage.tsdb.path=" + data,
		"--web.listen-address=" + p.Addr,
	}
	from := p.log.Len()
	proc, err := testproc.Start(testproc.Cmd{Path: path, Args: args, Dir: dir, Log: p.log})
	if err != nil {
		return err
	}
	p.proc = proc
	deadline := time.Now().Add(readyTimeout)
	err = proc.WaitOutput(from, deadline, func(out string) (bool, error) {
		switch {
		case strings.Contains(out, "Server is ready to receive web requests."):
			return true, nil
		case strings.Contains(out, "address already in use"):
			return false, testproc.ErrBind
		}
		return false, nil
	})
	if err == nil {
		err = checkGet(p.URL+"/-/ready", deadline, "Ready")
	}
	if err != nil {
		p.Stop()
		return fmt.Errorf("prometheus on port %d: %w", port, err)
	}
	return nil
}

// Stop stops the server (SIGTERM, then SIGKILL after 5 s) and waits for
// it. Stopping a stopped server does nothing.
func (p *Prometheus) Stop() {
	if p.proc != nil {
		p.proc.Stop()
	}
}

// Log returns what the server has logged so far.
func (p *Prometheus) Log() string { return p.log.String() }

// Query runs an instant query and returns the number of series in its
// vector answer and their values' sum.
func (p *Prometheus) Query(ctx context.Context, query string) (series int, sum float64, err error) {
	u := p.URL + "/api/v1/query?" + url.Values{"query": {query}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return 0, 0, err
	}
	var r struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			Result []struct {
				Value [2]any `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return 0, 0, fmt.Errorf("query %q: %v: %.200s", query, err, body)
	}
	if r.Status != "success" {
		return 0, 0, fmt.Errorf("query %q: %s", query, r.Error)
	}
	for _, s := range r.Data.Result {
		text, _ := s.Value[1].(string)
		v, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("query %q: value %q", query, text)
		}
		sum += v
	}
	return len(r.Data.Result), sum, nil
}

// WaitForData waits until query returns at least one series, failing the
// test after readyTimeout. Nothing announces that a scrape has been
// stored, so this asks every scrapeProbe: a tenth of the scrape interval,
// so the wait ends soon after the data is there.
func (p *Prometheus) WaitForData(query string) {
	p.t.Helper()
	const scrapeProbe = ScrapeInterval / 10
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	tick := time.NewTicker(scrapeProbe)
	defer tick.Stop()
	var lastErr error
	for {
		n, _, err := p.Query(ctx, query)
		if err == nil && n > 0 {
			return
		}
		lastErr = err
		select {
		case <-tick.C:
		case <-p.proc.Exited():
			p.t.Fatalf("prometheus exited while waiting for %s: %v", query, p.proc.Err())
		case <-ctx.Done():
			p.t.Fatalf("prometheus: no data for %s within %v (last error: %v)", query, readyTimeout, lastErr)
		}
	}
}
