package metrics

import (
	"math"
	"testing"
)

func TestSpoken(t *testing.T) {
	tests := []struct {
		v    float64
		u    Unit
		want string
	}{
		{0, UnitCount, "0"},
		{0.25, UnitCount, "0.25"},
		{722.4, UnitCount, "722"},
		{3600, UnitCount, "3.6 thousand"},
		{12000, UnitCount, "12 thousand"},
		{2.5e15, UnitCount, "2.5 quadrillion"},
		{2.5e35, UnitCount, "2.5 times 10 to the 35"},
		{1.25e6, UnitCount, "1.3 million"},
		{4e9, UnitCount, "4 billion"},
		{1.5e12, UnitCount, "1.5 trillion"},
		{-3600, UnitCount, "minus 3.6 thousand"},
		{42, UnitMillis, "42 milliseconds"},
		{1, UnitMillis, "1 millisecond"},
		{0.4, UnitMillis, "0.4 milliseconds"},
		{1.94, UnitMillis, "1.9 milliseconds"},
		{1200, UnitMillis, "1.2 seconds"},
		{1000, UnitMillis, "1 second"},
		{87.5, UnitPercent, "87.5 percent"},
		{100, UnitPercent, "100 percent"},
		{0, UnitPercent, "0.0 percent"},
		{math.NaN(), UnitCount, "no value"},
		{math.Inf(1), UnitMillis, "no value"},
	}
	for _, tc := range tests {
		if got := Spoken(tc.v, tc.u); got != tc.want {
			t.Errorf("Spoken(%g, %v) = %q, want %q", tc.v, tc.u, got, tc.want)
		}
	}
}

func TestSpokenLabel(t *testing.T) {
	for in, want := range map[string]string{
		"Requests/sec":        "Requests per second",
		"Latency (ms)":        "Latency in milliseconds",
		"Cache Hit Rate %":    "Cache Hit Rate percent",
		"TLS & HTTP/2":        "TLS and HTTP/2",
		"Client Bytes/sec":    "Client Bytes per second",
		"SSL Sessions":        "SSL Sessions",
		"  odd   spacing/s  ": "odd spacing per second",
	} {
		if got := SpokenLabel(in); got != want {
			t.Errorf("SpokenLabel(%q) = %q, want %q", in, got, want)
		}
	}
}
