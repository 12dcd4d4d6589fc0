package main

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/traffic-grapher/traffic_grapher/internal/atstest"
)

// clientRate reads the client request rate from the readout:
// "Requests per second, Client, NAME: 3.6 thousand, steady. …"; ok is
// false when the line says there is no current value.
var clientLine = regexp.MustCompile(`Requests per second, Client, [^:]+: ([^,.]+(?:\.[0-9]+)?(?: thousand| million)?)`)

func clientRate(screen string) (rate float64, stale, ok bool) {
	for _, l := range strings.Split(screen, "\n") {
		if !strings.Contains(l, "Requests per second, Client,") {
			continue
		}
		if strings.Contains(l, ": no data for ") {
			return 0, true, false
		}
		m := clientLine.FindStringSubmatch(l)
		if m == nil {
			return 0, false, false
		}
		num, scale, _ := strings.Cut(m[1], " ")
		v, err := strconv.ParseFloat(num, 64)
		if err != nil {
			return 0, false, false
		}
		switch scale {
		case "thousand":
			v *= 1e3
		case "million":
			v *= 1e6
		}
		return v, false, true
	}
	return 0, false, false
}

// A restart of a real Traffic Server 10.2 while the dashboard watches it
// under load: while it is down the value is said to be old (never shown as
// current), the dashboard recovers by itself when it is back, and the rate
// after the restart has no spike from rating across the outage.
func TestATS10RestartShowsStaleThenRecoversWithoutSpike(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test")
	}
	a := atstest.StartATS10(t)
	bin := buildBinary(t)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	a.Load(ctx)
	s := startTmux(t, 160, 50, bin, "--readout", "--interval", "0.5", "unix:"+a.Socket)

	var before float64
	s.waitFor("a request rate", 30*time.Second, func(sc string) bool {
		v, _, ok := clientRate(sc)
		before = max(before, v)
		return ok && v > 0
	})
	// A few more seconds of the steady rate, for the spike check.
	end := time.Now().Add(3 * time.Second)
	for time.Now().Before(end) {
		if v, _, ok := clientRate(s.screen()); ok {
			before = max(before, v)
		}
		time.Sleep(200 * time.Millisecond) // sampling the screen
	}
	t.Logf("rate before the restart: up to %.0f/s", before)

	a.Stop()
	down := time.Now()
	sc := s.waitFor("the value said to be old", 10*time.Second, func(sc string) bool {
		_, stale, _ := clientRate(sc)
		return stale
	})
	t.Logf("stale after %s: %s", time.Since(down).Round(100*time.Millisecond), strings.TrimSpace(firstLine(sc, "Requests per second, Client,")))

	a.Restart()
	var after float64
	s.waitFor("a current rate again", 30*time.Second, func(sc string) bool {
		v, _, ok := clientRate(sc)
		return ok && v > 0
	})
	end = time.Now().Add(6 * time.Second)
	for time.Now().Before(end) {
		if v, _, ok := clientRate(s.screen()); ok {
			after = max(after, v)
		}
		time.Sleep(200 * time.Millisecond) // sampling the screen
	}
	t.Logf("rate after the restart: up to %.0f/s", after)
	if after > 3*before+100 {
		t.Errorf("rate after the restart reached %.0f/s against %.0f/s before: a spike from the outage", after, before)
	}
}

func firstLine(screen, with string) string {
	for _, l := range strings.Split(screen, "\n") {
		if strings.Contains(l, with) {
			return l
		}
	}
	return ""
}
