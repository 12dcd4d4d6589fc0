package app

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/traffic-grapher/traffic_grapher/internal/simulator"
	"github.com/traffic-grapher/traffic_grapher/internal/sshtest"
	"github.com/traffic-grapher/traffic_grapher/report"
)

// Fifty remote hosts over one real sshd, as fifty Host aliases of a
// temporary ssh_config, each reaching its own simulated socket: every one
// appears in the fleet table, and one whose server is killed mid-run
// shows down, worst first, while the others go on updating.
func TestFleetOfFiftyOverSSH(t *testing.T) {
	const hosts = 50
	home := sshtest.TempHome(t)
	fl, err := simulator.StartFleet(simulator.FleetOptions{Dir: sshtest.ShortTempDir(t), Hosts: hosts})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fl.Close)
	sshtest.Reachable(t, fl.Sockets...)
	// One sshd stands for fifty: let fifty handshakes in at once (sshd
	// drops unauthenticated connections beyond 10 by default).
	sshd := sshtest.StartSSHD(t, sshtest.Options{ExtraConfig: []string{"MaxStartups 200"}})
	key := sshtest.NewKey(t)
	sshd.AuthorizeKey(key.Public, "")
	var sshConfig, dashboard strings.Builder
	// A page of two records: what is tested is fifty hosts over one sshd,
	// and the whole dashboard's 60 KB a host through SSH's ciphers under
	// the race detector would be what is measured instead.
	dashboard.WriteString(`pages:
  - name: Fleet
    panels:
      - title: Connections
        metrics: [{name: Client, type: gauge, key: proxy.process.http.current_client_connections}]
      - title: Requests/sec
        metrics: [{name: Client, type: counter, key: proxy.process.http.incoming_requests}]
fleet:
  - {title: Conns, panel: Connections, metric: Client}
  - {title: Req/s, panel: Requests/sec, metric: Client}
hosts:
`)
	for i, name := range fl.Names {
		fmt.Fprintf(&sshConfig, "Host %s\n    HostName 127.0.0.1\n    Port %d\n    User %s\n    IdentityFile %s\n", name, sshd.Port, sshd.User, key.Path)
		fmt.Fprintf(&dashboard, "  - {name: %s, ssh: %s, socket: %q}\n", name, name, fl.Sockets[i])
	}
	writeFile(t, filepath.Join(home, ".ssh", "config"), sshConfig.String())
	writeFile(t, filepath.Join(home, ".ssh", "known_hosts"), sshd.KnownHostsLine("")+"\n")
	cfg := filepath.Join(t.TempDir(), "fleet.yaml")
	writeFile(t, cfg, dashboard.String())

	const killed = 16 // edge17
	// Every 3 s: a loaded race run holds SSH handshakes and replies.
	const rounds = 6
	pr, pw := io.Pipe()
	var errb strings.Builder
	done := make(chan int, 1)
	go func() {
		status := run([]string{"-c", cfg, "--batch", "--format", "json", "--count", fmt.Sprint(rounds), "--interval", "3"}, pw, &errb)
		pw.Close()
		done <- status
	}()
	sc := bufio.NewScanner(pr)
	sc.Buffer(nil, 64<<20)
	var line report.Readout
	seenDown := false
	for n := 1; sc.Scan(); n++ {
		line = report.Readout{}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil || line.Fleet == nil {
			t.Fatalf("line %d: %v, fleet %v", n, err, line.Fleet != nil)
		}
		rows := line.Fleet.Rows
		if len(rows) != hosts {
			t.Fatalf("line %d: %d rows; want %d", n, len(rows), hosts)
		}
		// On a loaded machine (a race run beside other packages' tests)
		// a host may miss a round now and then: "the rest" is nearly all.
		const most = hosts - 5
		switch {
		case n == 2:
			if got := countAnswering(rows, ""); got < most {
				t.Errorf("line 2: %d of %d hosts answering; want %d or more", got, hosts, most)
			}
			fl.Servers[killed].Close()
		case n > 2:
			i := slices.IndexFunc(rows, func(r report.FleetRow) bool { return r.Name == fl.Names[killed] })
			dead := rows[i]
			if dead.Status == "ok" || dead.Status == "slow" {
				continue // killed after this round's fetch
			}
			for ci, c := range dead.Cells {
				if c.Value != nil && !c.Stale {
					t.Errorf("line %d: the killed host's column %d, %v, shown as current", n, ci, *c.Value)
				}
			}
			if got := countAnswering(rows, dead.Name); got >= most-1 {
				seenDown = true
			} else {
				t.Logf("line %d: %d others answering while %s is %s", n, got, dead.Name, dead.Status)
			}
		}
	}
	// The exit status is 0: some hosts answer (checkStatus).
	if status := <-done; status != 0 || !seenDown {
		t.Errorf("status %d; the killed host seen down while the others answer: %v; last rows %+v; stderr %s", status, seenDown, line.Fleet.Rows[:2], errb.String())
	}
}

// countAnswering counts the rows but except's that answer with current
// values.
func countAnswering(rows []report.FleetRow, except string) int {
	n := 0
	for _, row := range rows {
		if row.Name != except && answering(row) && !row.Cells[0].Stale {
			n++
		}
	}
	return n
}

// answering says a row has its values: ok, or slow (a loaded machine).
func answering(row report.FleetRow) bool {
	return (row.Status == "ok" || row.Status == "slow") && row.Cells[0].Value != nil
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}
