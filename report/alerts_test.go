package report

import (
	"testing"
	"time"

	"github.com/traffic-grapher/traffic_grapher/metrics"
)

func TestAlertShortAndSpoken(t *testing.T) {
	since := time.Date(2026, 12, 2, 14, 2, 10, 0, time.UTC)
	mk := func(level metrics.Level, v, limit float64, below bool, unit metrics.Unit, label string) Alert {
		th := metrics.Threshold{Value: limit, Below: below}
		return Alert{Host: "edge2", Panel: "5xx %", Metric: label, Value: v, Limit: th.Op() + " " + metrics.Format(limit, unit),
			Since: since, ForSeconds: 40, level: level, threshold: th, unit: unit, label: label}
	}
	for _, c := range []struct {
		a    Alert
		want string
	}{
		{mk(metrics.LevelCrit, 3.4, 2, false, metrics.UnitPercent, "5xx"), "ALERT edge2 5xx 3.4% > 2.0% for 40s"},
		{mk(metrics.LevelWarn, 2512, 2500, false, metrics.UnitCount, "Client"), "WARN edge2 Client 2512 > 2500 for 40s"},
		{mk(metrics.LevelWarn, 70, 80, true, metrics.UnitPercent, "Hit"), "WARN edge2 Hit 70.0% < 80.0% for 40s"},
	} {
		if got := c.a.Short(); got != c.want {
			t.Errorf("Short() = %q, want %q", got, c.want)
		}
	}
	line := AlertsLine([]Alert{mk(metrics.LevelCrit, 3.4, 2, false, metrics.UnitPercent, "5xx"), mk(metrics.LevelWarn, 70, 80, true, metrics.UnitPercent, "Hit")}, time.UTC)
	want := "Alerts: 1 critical, 1 warning. Critical: 5xx percent, 5xx, edge2, above 2.0 percent since 14:02:10. Warning: 5xx percent, Hit, edge2, below 80.0 percent since 14:02:10."
	if line != want {
		t.Errorf("AlertsLine:\n got %q\nwant %q", line, want)
	}
	if AlertsLine(nil, time.UTC) != "Alerts: none." {
		t.Error("no alerts")
	}
}
