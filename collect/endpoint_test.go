package collect

import (
	"context"
	"strings"
	"testing"

	"github.com/traffic-grapher/traffic_grapher/collect/sshconn"
)

func init() {
	// A kind of our own, so URL parsing is tested whatever else is
	// registered.
	Register(Kind{Name: "testhttp", Schemes: []string{"testhttp+http", "testhttp+https"},
		Open: func(context.Context, Endpoint, Env) (Opened, error) { return Opened{}, nil }})
}

func TestParseEndpoint(t *testing.T) {
	tests := []struct {
		arg     string
		want    Endpoint
		wantErr string
	}{
		{arg: "localhost", want: Endpoint{Name: "localhost", Kind: "jsonrpc", Arg: "localhost"}},
		{arg: "unix:/opt/ats2/var/trafficserver/jsonrpc20.sock", want: Endpoint{Name: "ats2", Kind: "jsonrpc", Arg: "unix:/opt/ats2/var/trafficserver/jsonrpc20.sock", Socket: "/opt/ats2/var/trafficserver/jsonrpc20.sock"}},
		{arg: "ops@edge1.example.com:2222", want: Endpoint{Name: "edge1", Kind: "jsonrpc", Arg: "ops@edge1.example.com:2222", SSH: sshconn.Addr{User: "ops", Host: "edge1.example.com", Port: 2222}}},
		{arg: "ctl:localhost", want: Endpoint{Name: "localhost", Kind: "traffic_ctl", Arg: "ctl:localhost"}},
		{arg: "ctl:edge2", want: Endpoint{Name: "edge2", Kind: "traffic_ctl", Arg: "ctl:edge2", SSH: sshconn.Addr{Host: "edge2"}}},
		{arg: "ctl:/x.sock", wantErr: "takes a host name"},
		{arg: "testhttp+http://10.0.0.5:9100/metrics", want: Endpoint{Name: "10.0.0.5", Kind: "testhttp", Arg: "testhttp+http://10.0.0.5:9100/metrics", URL: "http://10.0.0.5:9100/metrics"}},
		{arg: "testhttp+https://prom.example.com:9090#edge1.example.com:9100", want: Endpoint{Name: "edge1", Kind: "testhttp", Arg: "testhttp+https://prom.example.com:9090#edge1.example.com:9100", URL: "https://prom.example.com:9090", Host: "edge1.example.com:9100"}},
		{arg: "gopher://x", wantErr: `unknown source scheme "gopher"`},
		{arg: "testhttp+ftp://x", wantErr: "unknown source scheme"},
		{arg: "testhttp+http://", wantErr: "not a valid http(s) URL"},
		{arg: "edge;reboot", wantErr: "not a valid hostname"},
		{arg: "ctl:-oProxyCommand=x", wantErr: "not a valid hostname"},
	}
	for _, tt := range tests {
		got, err := ParseEndpoint(tt.arg)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: err %v, want %q", tt.arg, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: got %+v, %v\nwant %+v", tt.arg, got, err, tt.want)
		}
	}
}

func TestRegistry(t *testing.T) {
	if kind, ok := LookupKind("testhttp"); !ok || !kind.ByURL() {
		t.Errorf("kind testhttp: %+v %v", kind, ok)
	}
	if _, err := Open(context.Background(), Endpoint{Name: "x", Kind: "snmp"}, Env{}); err == nil || !strings.Contains(err.Error(), `unknown source "snmp"`) {
		t.Errorf("unknown kind: %v", err)
	}
	defer func() {
		if recover() == nil {
			t.Error("registering a kind twice must panic")
		}
	}()
	Register(Kind{Name: "testhttp", Open: func(context.Context, Endpoint, Env) (Opened, error) { return Opened{}, nil }})
}
