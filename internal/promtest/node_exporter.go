package promtest

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/traffic-grapher/traffic_grapher/internal/testproc"
)

// NodeExporter is a running prometheus-node-exporter (see
// StartNodeExporter).
type NodeExporter struct {
	// Addr is "127.0.0.1:PORT", URL "http://127.0.0.1:PORT/metrics".
	Addr, URL string

	log  *testproc.LogBuffer
	proc *testproc.Proc
}

// nodeCollectors are the collectors StartNodeExporter enables: the ones
// the node dashboards read. The others (some slow, some that log errors in
// containers) are off, which keeps a scrape at a few milliseconds.
var nodeCollectors = []string{"cpu", "loadavg", "meminfo", "netdev", "diskstats", "filesystem", "netstat"}

// StartNodeExporter starts prometheus-node-exporter on 127.0.0.1 and a free
// port with the collectors the node dashboards use, and returns once it
// serves /metrics. The loopback device is included (the exporter leaves
// it out by default), so tests see traffic they make themselves. It is
// stopped when the test ends; if the test failed, its log is printed.
func StartNodeExporter(t testing.TB) *NodeExporter {
	t.Helper()
	path := RequireProgram(t, "prometheus-node-exporter")
	n := &NodeExporter{log: &testproc.LogBuffer{}}
	t.Cleanup(func() {
		if log := n.log.String(); t.Failed() && log != "" {
			t.Logf("node_exporter %s log:\n%s", n.Addr, log)
		}
	})
	t.Cleanup(n.Stop)
	testproc.OnFreePort(t, "node_exporter", func(port int) error {
		return n.start(path, port, t.TempDir())
	})
	return n
}

func (n *NodeExporter) start(path string, port int, dir string) error {
	n.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	n.URL = "http://" + n.Addr + "/metrics"
	args := []string{
		"--web.listen-address=" + n.Addr,
		"--collector.disable-defaults",
		// A regex matching no device name: loopback included.
		"--collector.netdev.device-exclude=^$",
	}
	for _, c := range nodeCollectors {
		args = append(args, "--collector."+c)
	}
	from := n.log.Len()
	p, err := testproc.Start(testproc.Cmd{Path: path, Args: args, Dir: dir, Log: n.log})
	if err != nil {
		return err
	}
	n.proc = p
	deadline := time.Now().Add(readyTimeout)
	// 1.5 logs `msg="Listening on" address=127.0.0.1:PORT` once bound,
	// later versions the same with other fields around it.
	err = p.WaitOutput(from, deadline, func(out string) (bool, error) {
		switch {
		case strings.Contains(out, `msg="Listening on"`) && strings.Contains(out, "address="+n.Addr):
			return true, nil
		case strings.Contains(out, "address already in use"):
			return false, testproc.ErrBind
		}
		return false, nil
	})
	if err == nil {
		err = checkGet(n.URL, deadline, "node_cpu_seconds_total")
	}
	if err != nil {
		n.Stop()
		return fmt.Errorf("node_exporter on port %d: %w", port, err)
	}
	return nil
}

// Stop stops the exporter (SIGTERM, then SIGKILL after 5 s) and waits for
// it. Stopping a stopped exporter does nothing.
func (n *NodeExporter) Stop() {
	if n.proc != nil {
		n.proc.Stop()
	}
}

// Log returns what the exporter has logged so far.
func (n *NodeExporter) Log() string { return n.log.String() }

// checkGet makes one request to a server that says it is ready, and
// checks that the body contains want.
func checkGet(url string, deadline time.Time, want string) error {
	c := &http.Client{Timeout: time.Until(deadline)}
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
		return fmt.Errorf("GET %s: %s without %q: %.200s", url, resp.Status, want, body)
	}
	return nil
}
