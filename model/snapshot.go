package model

import (
	"fmt"
	"strings"
	"time"

	"github.com/traffic-grapher/traffic_grapher/config"
	"github.com/traffic-grapher/traffic_grapher/metrics"
)

// SnapshotText is the plain-text view of every panel's current values for
// every host: what --once prints. One fact per line, no escape codes, in
// dashboard order, so it reads well in a pipe, a log or a screen reader.
func SnapshotText(ctx *ProgramContext, store *metrics.Store, at time.Time, errs []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "traffic_grapher snapshot · %s · hosts: %s\n",
		at.In(ctx.Location).Format("2006-01-02 15:04:05 MST"), strings.Join(ctx.Hosts, ", "))
	for _, e := range errs {
		fmt.Fprintf(&b, "error: %s\n", e)
	}
	nameWidth := 0
	forEachMetric(ctx.Dashboard, func(_, _ int, m config.Metric, _ int) {
		nameWidth = max(nameWidth, len([]rune(m.Name)))
	})
	hostWidth := 0
	for _, h := range ctx.Hosts {
		hostWidth = max(hostWidth, len([]rune(h)))
	}
	lastPage, lastPanel := -1, -1
	forEachMetric(ctx.Dashboard, func(pi, ni int, m config.Metric, id int) {
		if pi != lastPage {
			fmt.Fprintf(&b, "\nPage %d/%d: %s\n", pi+1, len(ctx.Dashboard.Pages), ctx.Dashboard.Pages[pi].Name)
			lastPage, lastPanel = pi, -1
		}
		if ni != lastPanel {
			fmt.Fprintf(&b, "  %s\n", ctx.Dashboard.Pages[pi].Panels[ni].Title)
			lastPanel = ni
		}
		for h, host := range ctx.Hosts {
			s := store.Series(h, id)
			val := "no data"
			if v, ok := s.Latest(); ok {
				val = metrics.Format(v, s.Unit())
			}
			fmt.Fprintf(&b, "    %-*s  %-*s  %s\n", nameWidth, m.Name, hostWidth, host, val)
		}
	})
	return b.String()
}

// forEachMetric walks the dashboard's metrics in store order.
func forEachMetric(d *config.Dashboard, fn func(page, panel int, m config.Metric, id int)) {
	id := 0
	for pi, p := range d.Pages {
		for ni, n := range p.Panels {
			for _, m := range n.Metrics {
				fn(pi, ni, m, id)
				id++
			}
		}
	}
}

// MetricDefs lists the dashboard's metrics in store order: the metric index
// of panel metric j is the number of metrics before it in the dashboard.
func MetricDefs(d *config.Dashboard) []metrics.MetricDef {
	var defs []metrics.MetricDef
	forEachMetric(d, func(_, _ int, m config.Metric, _ int) {
		defs = append(defs, metrics.MetricDef{Name: m.Name, Kind: m.Type, Key: m.Key, Key2: m.Key2, Unit: m.Unit})
	})
	return defs
}
