package report

import (
	"strings"
	"testing"
	"time"

	"github.com/traffic-grapher/traffic_grapher/collect"
	"github.com/traffic-grapher/traffic_grapher/config"
	"github.com/traffic-grapher/traffic_grapher/metrics"
	"github.com/traffic-grapher/traffic_grapher/monitor"
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

// On a wildcard key each member is judged on its own, and named; a host
// that stopped answering is not judged; Status is the worst level.
func TestAlertsPerMemberAndHost(t *testing.T) {
	dash, err := config.Parse("d.yaml", []byte(`pages:
  - name: Remaps
    panels:
      - title: Errors
        metrics:
          - {name: "5xx", type: gauge, key: "plugin.remap_stats.*.errors", warn: 5, crit: 50}
`))
	if err != nil {
		t.Fatal(err)
	}
	hosts := []string{"e1", "e2"}
	data, err := monitor.New(dash, hosts, time.Minute, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	rc := Context{Dashboard: dash, Hosts: hosts, Timing: metrics.Timing{Interval: time.Second}, History: time.Minute, Location: time.UTC}
	snap := func(at time.Time, vals map[string]float64) metrics.Snapshot {
		s := metrics.Snapshot{Time: at, Values: map[string]metrics.Sample{}}
		for k, v := range vals {
			s.Values["plugin.remap_stats."+k+".errors"] = metrics.Sample{Value: v}
		}
		return s
	}
	var at time.Time
	for i := range 5 {
		at = t0.Add(time.Duration(i) * time.Second)
		data.Apply(collect.Result{Host: 0, Snapshot: snap(at, map[string]float64{"cdn": 80, "img": 7, "api": 1})})
		if i < 2 { // e2 answers twice, then no more
			data.Apply(collect.Result{Host: 1, Snapshot: snap(at, map[string]float64{"cdn": 90})})
		}
	}
	alerts := Alerts(rc, data.Store(), metrics.Span{End: at, Window: time.Minute})
	var got []string
	for _, a := range alerts {
		got = append(got, a.Level+" "+a.Host+" "+a.Metric)
	}
	if want := "critical e1 cdn,warning e1 img"; strings.Join(got, ",") != want {
		t.Errorf("alerts %q, want %q", got, want)
	}
	if Status(alerts) != metrics.LevelCrit || Status(nil) != metrics.LevelOK {
		t.Errorf("status %v", Status(alerts))
	}
}
