package trafficctl

import (
	"context"
	"errors"
	"strings"
	"testing"
)

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
