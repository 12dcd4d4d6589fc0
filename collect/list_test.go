package collect

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/traffic-grapher/traffic_grapher/internal/simulator"
)

func TestBrowseRegexSkipsVersionRecords(t *testing.T) {
	re := regexp.MustCompile(browseRegex)
	for name, want := range map[string]bool{
		"proxy.process.http.incoming_requests":               true,
		"proxy.process.ssl.total_success_handshake_count_in": true,
		"proxy.process.vers.x":                               true,
		"proxy.process.versionx.y":                           true,
		"proxy.node.restarts.proxy.start_time":               true,
		"proxy.process.version.server.short":                 false,
		"proxy.process.version.server.long":                  false,
		"proxy.config.http.server_ports":                     false,
	} {
		if got := re.MatchString(name); got != want {
			t.Errorf("%s: match %v, want %v", name, got, want)
		}
	}
}

func TestJSONRPCList(t *testing.T) {
	// The simulator emulates ATS 10.2.0's crash on a regex matching a
	// STRING record: listing must not trigger it.
	sim, err := simulator.Start(simulator.Options{EmulateStringRegexCrash: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	src := NewJSONRPCSource(sim.Path())
	all, err := src.List(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) < 20 {
		t.Fatalf("listed %d records", len(all))
	}
	got, err := src.List(context.Background(), `HTTP\.incoming_req`)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Name != "proxy.process.http.incoming_requests" || got[0].Type == "" || got[0].Value == "" {
		t.Errorf("filtered list: %+v", got)
	}
	for _, m := range all {
		if strings.HasPrefix(m.Name, "proxy.process.version.") {
			t.Errorf("listed a STRING version record: %s", m.Name)
		}
	}
	if _, err := src.List(context.Background(), "("); err == nil || !strings.Contains(err.Error(), "bad regular expression") {
		t.Errorf("bad pattern: %v", err)
	}
}

func TestTrafficCtlList(t *testing.T) {
	out := "proxy.process.http.incoming_requests 34\nproxy.process.http.transaction_totaltime.hit_fresh 0.048000\nproxy.node.hostname edge1\n"
	var argv []string
	src := &TrafficCtlSource{Run: func(ctx context.Context, a []string) ([]byte, error) { argv = a; return []byte(out), nil }}
	got, err := src.List(context.Background(), "http")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(argv, " ") != "traffic_ctl metric match ." {
		t.Errorf("ran %q", argv)
	}
	if len(got) != 2 || got[0].Name != "proxy.process.http.incoming_requests" || got[0].Type != "int" || got[1].Type != "float" {
		t.Errorf("got %+v", got)
	}
}

func TestTrafficCtlListError(t *testing.T) {
	src := &TrafficCtlSource{Run: func(ctx context.Context, a []string) ([]byte, error) {
		return nil, errors.New("exit status 2: Traffic Server: failed to fetch .: [5] Error establishing socket connection.")
	}}
	_, err := src.List(context.Background(), "")
	if err == nil || !strings.Contains(err.Error(), "traffic_ctl metric match: ") || !strings.Contains(err.Error(), "is traffic_server running?") {
		t.Errorf("err %v: want it to name the command run and the hint", err)
	}
}
