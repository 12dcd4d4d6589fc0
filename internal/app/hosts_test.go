package app

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/traffic-grapher/traffic_grapher/collect/sshconn"

	"github.com/traffic-grapher/traffic_grapher/collect"
	"github.com/traffic-grapher/traffic_grapher/config"
	"github.com/traffic-grapher/traffic_grapher/internal/simulator"
	"github.com/traffic-grapher/traffic_grapher/pages"
)

func TestEndpoints(t *testing.T) {
	cfg := &config.Dashboard{Hosts: []config.HostEntry{
		{Name: "edge1", SSH: "ops@edge1:2222", Line: 3},
		{Name: "e2", Source: "traffic_ctl", Line: 5},
	}}
	tests := []struct {
		name    string
		opts    options
		cfg     *config.Dashboard
		want    []collect.Endpoint
		wantErr string
	}{
		{name: "default localhost", want: []collect.Endpoint{{Name: "localhost", Kind: "jsonrpc", Arg: "localhost"}}},
		{name: "command line", opts: options{hosts: []string{"ctl:edge9", "unix:/run/a/jsonrpc20.sock"}}, cfg: cfg, want: []collect.Endpoint{
			{Name: "edge9", Kind: "traffic_ctl", Arg: "ctl:edge9", SSH: sshconn.Addr{Host: "edge9"}},
			{Name: "a", Kind: "jsonrpc", Arg: "unix:/run/a/jsonrpc20.sock", Socket: "/run/a/jsonrpc20.sock"},
		}},
		{name: "config hosts when none given", cfg: cfg, want: []collect.Endpoint{
			{Name: "edge1", Named: true, Kind: "jsonrpc", Arg: "edge1", SSH: sshconn.Addr{User: "ops", Host: "edge1", Port: 2222}},
			{Name: "e2", Named: true, Kind: "traffic_ctl", Arg: "e2"},
		}},
		{name: "same socket twice, one named", opts: options{hosts: []string{"unix:/run/a/jsonrpc20.sock", "old=unix:/run/a/jsonrpc20.sock"}}, want: []collect.Endpoint{
			{Name: "a", Kind: "jsonrpc", Arg: "unix:/run/a/jsonrpc20.sock", Socket: "/run/a/jsonrpc20.sock"},
			{Name: "old", Named: true, Kind: "jsonrpc", Arg: "unix:/run/a/jsonrpc20.sock", Socket: "/run/a/jsonrpc20.sock"},
		}},
		{name: "same config name twice", opts: options{config: "d.yaml"}, cfg: &config.Dashboard{Hosts: []config.HostEntry{{Name: "x", Line: 2}, {Name: "x", Line: 3}}},
			wantErr: `d.yaml:2: hosts: hosts 1 and 2 are both named "x"`},
		{name: "demo", opts: options{demo: true}, cfg: cfg, want: []collect.Endpoint{{Name: "demo", Kind: "demo", Arg: "localhost"}}},
		{name: "IPv6 in config ssh: as on the command line", cfg: &config.Dashboard{Hosts: []config.HostEntry{{Name: "v6", SSH: "ops@[::1]:2222", Line: 2}}},
			want: []collect.Endpoint{{Name: "v6", Named: true, Kind: "jsonrpc", Arg: "v6", SSH: sshconn.Addr{User: "ops", Host: "::1", Port: 2222}}}},
		{name: "IPv6 on the command line", opts: options{hosts: []string{"ops@[::1]:2222"}}, want: []collect.Endpoint{
			{Name: "::1", Kind: "jsonrpc", Arg: "ops@[::1]:2222", SSH: sshconn.Addr{User: "ops", Host: "::1", Port: 2222}}}},
		{name: "stats host without url", opts: options{config: "d.yaml"}, cfg: &config.Dashboard{Hosts: []config.HostEntry{{Name: "e1", Source: "stats", Line: 8}}},
			wantErr: "d.yaml:8: hosts[0].url: a stats source needs url:"},
		{name: "unknown source", opts: options{config: "d.yaml"}, cfg: &config.Dashboard{Hosts: []config.HostEntry{{Name: "e1", Source: "snmp", Line: 8}}},
			wantErr: `d.yaml:8: hosts[0].source: unknown source "snmp" (known: `},
		{name: "url on jsonrpc", opts: options{config: "d.yaml"}, cfg: &config.Dashboard{Hosts: []config.HostEntry{{Name: "e1", URL: "http://x", Line: 8}}},
			wantErr: "d.yaml:8: hosts[0].url: url: is for sources reached over HTTP; jsonrpc uses socket: or ssh:"},
		{name: "host placeholder off promql", opts: options{config: "d.yaml"}, cfg: &config.Dashboard{Hosts: []config.HostEntry{{Name: "e1", Source: "prom", URL: "http://x:9100/metrics", Host: "x", Line: 8}}},
			wantErr: "d.yaml:8: hosts[0].host: host: ($host in queries) is for query sources (promql) only"},
		{name: "ssh on stats", opts: options{config: "d.yaml"}, cfg: &config.Dashboard{Hosts: []config.HostEntry{{Name: "e1", Source: "stats", URL: "http://x:8080/_stats", SSH: "edge1", Line: 8}}},
			wantErr: "d.yaml:8: hosts[0]: socket:, ssh: and traffic_ctl: are for sources reached on this machine or over SSH, not stats"},
		{name: "bad ssh in config", opts: options{config: "d.yaml"}, cfg: &config.Dashboard{Hosts: []config.HostEntry{{Name: "x", SSH: "a;b", Line: 7}}},
			wantErr: "d.yaml:7: hosts[0].ssh: "},
		{name: "bad url in config", opts: options{config: "d.yaml"}, cfg: &config.Dashboard{Hosts: []config.HostEntry{{Name: "x", Source: "stats", URL: "ftp://x", Line: 9}}},
			wantErr: "d.yaml:9: hosts[0].url: "},
		{name: "bad argument", opts: options{hosts: []string{"gopher://x"}}, wantErr: "unknown source scheme"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := endpoints(&tt.opts, tt.cfg)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("[%d] got %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestChoosePages(t *testing.T) {
	ats := []collect.Endpoint{{Kind: "jsonrpc"}}
	own := &config.Dashboard{Pages: []config.Page{{Name: "Mine"}}, HistorySeconds: 300}
	tests := []struct {
		name     string
		flag     string
		cfg      *config.Dashboard
		eps      []collect.Endpoint
		wantPage string
		wantErr  string
	}{
		{name: "ATS source default", eps: ats, wantPage: "Traffic & Cache"},
		{name: "config pages", cfg: own, eps: ats, wantPage: "Mine"},
		{name: "flag and config pages clash", flag: "ats", cfg: own, eps: ats, wantErr: "choose one"},
		{name: "unknown name", flag: "nope", eps: ats, wantErr: `no built-in pages called "nope" (there are: ` + strings.Join(pages.Names(), ", ")},
		{name: "unknown builtin_pages names file and line", cfg: &config.Dashboard{BuiltinPages: "nope", BuiltinPagesLine: 3}, eps: ats,
			wantErr: `d.yaml:3: builtin_pages: no built-in pages called "nope"`},
		{name: "builtin_pages keeps history", cfg: &config.Dashboard{BuiltinPages: "ats", HistorySeconds: 120}, eps: ats, wantPage: "Traffic & Cache"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := choosePages(tt.flag, "d.yaml", tt.cfg, tt.eps)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d.Pages[0].Name != tt.wantPage {
				t.Errorf("first page %q, want %q", d.Pages[0].Name, tt.wantPage)
			}
			if tt.cfg != nil && d.HistorySeconds != tt.cfg.HistorySeconds {
				t.Errorf("history %d, want the config's %d", d.HistorySeconds, tt.cfg.HistorySeconds)
			}
		})
	}
}

func TestRunMetricsBrowser(t *testing.T) {
	sim, err := simulator.Start(simulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	tests := []struct {
		args   []string
		status int
		stdout string
		stderr string
	}{
		{[]string{"metrics", "unix:" + sim.Path(), `http\.2xx`}, 0, "proxy.process.http.2xx_responses  counter  ", ""},
		{[]string{"metrics", "unix:" + sim.Path(), "no_such_metric_anywhere"}, 1, "", "no metric matches"},
		{[]string{"metrics", "unix:" + sim.Path(), "version"}, 0, "", "8 matching record(s) not listed (proxy.process.version.server.build_date, …): they are STRING records"},
		{[]string{"metrics", "unix:" + sim.Path(), "("}, 1, "", "bad regular expression"},
		{[]string{"metrics"}, 2, "", "want SOURCE"},
		{[]string{"metrics", "--help"}, 0, "list the metrics a source offers", ""},
		{[]string{"metrics", "gopher://x"}, 2, "", "unknown source scheme"},
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		if status := run(tt.args, &out, &errb); status != tt.status || !strings.Contains(out.String(), tt.stdout) || !strings.Contains(errb.String(), tt.stderr) {
			t.Errorf("%q: status %d\nstdout %q\nstderr %q", tt.args, status, out.String(), errb.String())
		}
	}
}

func TestCheckExporterPages(t *testing.T) {
	serve := func(body string) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain; version=0.0.4")
			fmt.Fprint(w, body)
		}))
		t.Cleanup(srv.Close)
		return "prom+" + srv.URL + "/metrics"
	}
	node := serve("# TYPE node_cpu_seconds_total counter\nnode_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} 5\n")
	other := serve("# TYPE foo_total counter\nfoo_total 5\n")
	empty := serve("")
	hung := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // answers nothing until the client gives up
	}))
	t.Cleanup(hung.Close)
	hang := "prom+" + hung.URL + "/metrics"
	nodePages, _ := pages.Lookup("node")
	for _, tt := range []struct {
		name    string
		args    []string
		wantErr bool
		refused []bool // hosts shown failing with the reason
	}{
		{"node_exporter", []string{node}, false, []bool{false}},
		{"another exporter", []string{other}, true, nil},
		{"node_exporter and an empty reply", []string{node, empty}, false, []bool{false, true}},
		{"three hung and a node_exporter", []string{hang, hang, hang, node}, false, []bool{false, false, false, false}},
		{"only non-node exporters", []string{other, empty}, true, nil},
	} {
		var eps []collect.Endpoint
		var hosts []collect.Host
		for _, arg := range tt.args {
			ep, err := collect.ParseEndpoint(arg)
			if err != nil {
				t.Fatal(err)
			}
			opened, err := collect.Open(context.Background(), ep, collect.Env{})
			if err != nil {
				t.Fatal(err)
			}
			eps, hosts = append(eps, ep), append(hosts, collect.Host{Name: ep.Name, Source: opened.Source})
		}
		start := time.Now()
		err := checkExporterPages(context.Background(), nodePages, eps, hosts)
		if took := time.Since(start); took > exporterCheckBound+2*time.Second {
			t.Errorf("%s: checks took %s; they run at once under one %s deadline", tt.name, took, exporterCheckBound)
		}
		if (err != nil) != tt.wantErr || (err != nil && !strings.Contains(err.Error(), "is not a node_exporter")) {
			t.Errorf("%s: err %v, want error %v", tt.name, err, tt.wantErr)
		}
		for i, want := range tt.refused {
			_, refused := hosts[i].Source.(refusedSource)
			if refused != want {
				t.Errorf("%s: host %d refused=%v, want %v", tt.name, i, refused, want)
			}
			if refused {
				if _, _, ferr := hosts[i].Source.Fetch(context.Background(), nil); ferr == nil || !strings.Contains(ferr.Error(), "is not a node_exporter") {
					t.Errorf("%s: refused host fetch error %v", tt.name, ferr)
				}
			}
		}
	}
}

func TestConfigEndpointsPromQLHost(t *testing.T) {
	eps, err := configEndpoints("d.yaml", []config.HostEntry{{Name: "n1", Source: "promql", URL: "http://prom:9090#node1:9100", Line: 3}})
	if err != nil {
		t.Fatal(err)
	}
	if eps[0].URL != "http://prom:9090" || eps[0].Host != "node1:9100" || eps[0].Name != "n1" {
		t.Errorf("got %+v: url: in the config must mean what it means on the command line", eps[0])
	}
}

// The screen's collector asks a fleet's hosts off the pages only the
// table's keys, the model telling it which are on them; --all-keys, and
// four hosts or fewer, ask everyone everything.
func TestLiveCollectorOfAFleet(t *testing.T) {
	for _, tc := range []struct {
		args  []string
		brief bool
	}{
		{[]string{"--demo", "a", "b", "c", "d", "e"}, true},
		{[]string{"--demo", "a", "b", "c", "d", "e", "--all-keys"}, false},
		{[]string{"--demo", "a", "b", "c", "d"}, false},
	} {
		opts, err := parseArgs(tc.args, &bytes.Buffer{})
		if err != nil {
			t.Fatal(err)
		}
		a, err := setup(context.Background(), opts)
		if err != nil {
			t.Fatal(err)
		}
		a.liveCollector()
		if got := a.pctx.Focus != nil; got != tc.brief {
			t.Errorf("%q: told which hosts are shown %v; want %v", tc.args, got, tc.brief)
		}
		a.close()
	}
}
