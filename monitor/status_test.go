package monitor

import (
	"errors"
	"testing"
	"time"

	"github.com/traffic-grapher/traffic_grapher/collect"
	"github.com/traffic-grapher/traffic_grapher/metrics"
)

func TestCondition(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	ok := func(s int, took time.Duration) collect.Result {
		return collect.Result{Snapshot: metrics.Snapshot{Time: at(s)}, Took: took}
	}
	fail := func(s int) collect.Result {
		return collect.Result{Snapshot: metrics.Snapshot{Time: at(s)}, Err: errors.New("refused"), Retry: 4 * time.Second}
	}
	const stale = 3 * time.Second
	for _, tc := range []struct {
		name    string
		results []collect.Result
		now     int
		want    Condition
		since   time.Time
	}{
		{"no answer yet", nil, 0, CondWaiting, time.Time{}},
		{"answers", []collect.Result{ok(0, time.Millisecond), ok(1, time.Millisecond)}, 1, CondOK, time.Time{}},
		{"answers slowly", []collect.Result{ok(0, 2*time.Second)}, 0, CondSlow, time.Time{}},
		{"nothing for a while", []collect.Result{ok(0, time.Millisecond)}, 5, CondSlow, at(0)},
		{"never answered", []collect.Result{fail(0), fail(1)}, 1, CondDown, at(0)},
		{"a failure after answers", []collect.Result{ok(0, 0), fail(1), fail(2)}, 2, CondReconnecting, at(1)},
		{"many failures", []collect.Result{ok(0, 0), fail(1), fail(2), fail(3)}, 3, CondDown, at(1)},
		{"back", []collect.Result{ok(0, 0), fail(1), fail(2), fail(3), ok(4, 0)}, 4, CondOK, time.Time{}},
	} {
		s := NewHostStatus(1)
		for _, r := range tc.results {
			s.Record(r)
		}
		got, since := s.Condition(0, at(tc.now), stale, time.Second)
		if got != tc.want || !since.Equal(tc.since) {
			t.Errorf("%s: %v since %v, want %v since %v", tc.name, got, since, tc.want, tc.since)
		}
	}
	s := NewHostStatus(1)
	s.Record(fail(0))
	s.Record(fail(1))
	if e := s.Errors([]string{"edge1"}); len(e) != 1 || e[0] != "edge1: refused (2 failures in a row); next try in 4s" {
		t.Errorf("errors %q", e)
	}
	if h := s.Health(0); h.Failures != 2 || h.Retry != 4*time.Second || !h.Since.Equal(at(0)) || h.Answered {
		t.Errorf("health %+v", h)
	}
}
