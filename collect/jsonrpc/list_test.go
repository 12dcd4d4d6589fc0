package jsonrpc

import (
	"context"
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
