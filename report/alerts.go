package report

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/traffic-grapher/traffic_grapher/metrics"
)

// Alert is one series (a metric, or a member of a family, on one host)
// over one of its dashboard limits at the report's instant.
type Alert struct {
	Level  string  `json:"level"` // "warning" or "critical"
	Host   string  `json:"host"`
	Page   string  `json:"page"`
	Panel  string  `json:"panel"`
	Metric string  `json:"metric"` // the line's name (report.LineName)
	Value  float64 `json:"value"`
	// Limit is the crossed limit as the footer writes it: "> 2", "< 80".
	Limit      string    `json:"limit"`
	Since      time.Time `json:"since"`
	ForSeconds float64   `json:"for_seconds"`

	level     metrics.Level
	threshold metrics.Threshold
	unit      metrics.Unit
	label     string // what the footer calls the series (Short)
}

// Alerts judges every metric of the dashboard that has limits, on every
// page, every host and every member of a family, at the span's instant
// (the cursor while paused), worst first, then longest first. A host
// whose values are stale is not judged: it is down, which the screen
// says on its own.
func Alerts(rc Context, store *metrics.Store, span metrics.Span) []Alert {
	d := rc.Dashboard
	at := judgedAt(span)
	judged := span
	judged.Absolute = false // limits are on what the metric derives (rates), not counters' totals
	// A metric name two panels share ("Client" of requests and of
	// connections) is said with its panel's title in the footer.
	panels := map[string]map[string]bool{}
	for ref := range d.Metrics() {
		if panels[ref.Metric.Name] == nil {
			panels[ref.Metric.Name] = map[string]bool{}
		}
		panels[ref.Metric.Name][d.Pages[ref.Page].Panels[ref.Panel].Title] = true
	}
	var out []Alert
	for ref := range d.Metrics() {
		m := ref.Metric
		if !m.Limits.Set() {
			continue
		}
		panel := d.Pages[ref.Page].Panels[ref.Panel]
		for _, line := range store.Lines(ref.ID, judged, 0, metrics.OrderName) {
			for h, a := range JudgeLine(rc, m.Limits, line, judged) {
				if a.Level == metrics.LevelOK {
					continue
				}
				unit := line.Hosts[h].Unit
				name := LineName(m.Name, line, len(panel.Metrics))
				label := name
				if len(panels[m.Name]) > 1 {
					label = panel.Title + " " + name
				}
				out = append(out, Alert{
					Level: a.Level.String(), Host: rc.Hosts[h], Page: d.Pages[ref.Page].Name, Panel: panel.Title,
					Metric: name, Value: a.Value,
					Limit: a.Threshold.Op() + " " + metrics.Format(a.Threshold.Value, unit),
					Since: a.Since, ForSeconds: at.Sub(a.Since).Seconds(),
					level: a.Level, threshold: a.Threshold, unit: unit, label: label,
				})
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].level != out[j].level {
			return out[i].level > out[j].level
		}
		return out[i].Since.Before(out[j].Since)
	})
	return out
}

// JudgeLine is each host's alert for one line shown in span (rates, not
// counters' totals): the limits judged at the span's instant, the cursor
// while paused. A host whose value is stale, and the rest of a family
// (a sum of members against a limit meant for one), are not judged.
func JudgeLine(rc Context, limits metrics.Limits, line metrics.Line, span metrics.Span) []metrics.Alert {
	out := make([]metrics.Alert, len(line.Hosts))
	if !limits.Set() || line.Rest > 0 {
		return out
	}
	at := judgedAt(span)
	for h, shown := range line.Hosts {
		if c := shown.Current(rc.Timing.At(span, h)); !c.OK || c.Stale {
			continue
		}
		out[h] = limits.Judge(shown.Hist, at, rc.Timing.MaxGap())
	}
	return out
}

func judgedAt(span metrics.Span) time.Time {
	if span.Paused {
		return span.Cursor
	}
	return span.End
}

// Status is the worst level among alerts: what --once and --batch exit
// with, as a monitoring check does (0 ok, 1 warning, 2 critical).
func Status(alerts []Alert) metrics.Level {
	worst := metrics.LevelOK
	for _, a := range alerts {
		worst = metrics.Worst(worst, a.level)
	}
	return worst
}

// LevelOf is the alert's level.
func (a Alert) LevelOf() metrics.Level { return a.level }

// Short is the alert as the footer writes it: "ALERT edge2 5xx % 3.4 > 2
// for 40s" (WARN for a warning).
func (a Alert) Short() string {
	word := "ALERT"
	if a.level == metrics.LevelWarn {
		word = "WARN"
	}
	dur := metrics.ShortDuration(time.Duration(a.ForSeconds * float64(time.Second)))
	if a.ForSeconds >= metrics.AlertLookback.Seconds() {
		dur += "+"
	}
	v, limit := metrics.Format(a.Value, a.unit), a.Limit
	if a.threshold.Op()+" "+v == limit {
		// 2512 over 2500 is not "2.5K > 2.5K": more digits for both.
		v, limit = exact(a.Value), a.threshold.Op()+" "+exact(a.threshold.Value)
	}
	return fmt.Sprintf("%s %s %s %s %s for %s", word, a.Host, a.label, v, limit, dur)
}

// exact is a value to six significant digits, for a value and a limit
// that look alike when rounded.
func exact(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }

// spoken is the alert in the readout's Alerts line: no value and no
// running duration, so the line stays the same while the alert does.
func (a Alert) spoken(loc *time.Location) string {
	return fmt.Sprintf("%s, %s, %s, %s since %s", metrics.SpokenLabel(a.Panel), a.Metric, a.Host,
		a.threshold.Spoken(a.unit), metrics.Clock(a.Since, loc))
}

// AlertsLine is the readout's first line, which a screen reader meets
// before any number: "Alerts: none." or "Alerts: 1 critical, 1 warning.
// Critical: …. Warning: …." It names what is over which limit since
// when, and nothing that changes while the alerts stay as they are.
func AlertsLine(alerts []Alert, loc *time.Location) string {
	if len(alerts) == 0 {
		return "Alerts: none."
	}
	var crit, warn []string
	for _, a := range alerts {
		if a.level == metrics.LevelCrit {
			crit = append(crit, a.spoken(loc))
		} else {
			warn = append(warn, a.spoken(loc))
		}
	}
	var counts []string
	if len(crit) > 0 {
		counts = append(counts, fmt.Sprintf("%d critical", len(crit)))
	}
	if len(warn) > 0 {
		counts = append(counts, fmt.Sprintf("%d %s", len(warn), plural(len(warn), "warning")))
	}
	s := "Alerts: " + strings.Join(counts, ", ") + "."
	if len(crit) > 0 {
		s += " Critical: " + strings.Join(crit, "; ") + "."
	}
	if len(warn) > 0 {
		s += " Warning: " + strings.Join(warn, "; ") + "."
	}
	return s
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
