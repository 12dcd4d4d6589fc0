// Package report turns the store into what a dashboard's numbers say: for
// each panel, metric and host, the value now, the window's min, average and
// max, and the trend. The screen's text readout, --once (text and JSON)
// and every later output mode are made from it, so they never disagree.
package report

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/traffic-grapher/traffic_grapher/config"
	"github.com/traffic-grapher/traffic_grapher/metrics"
	"github.com/traffic-grapher/traffic_grapher/monitor"
)

// Context is what a report needs besides the data: the dashboard, the
// hosts' names, the polling (for the stale rule), the history kept and
// the time zone.
type Context struct {
	Dashboard *config.Dashboard
	Hosts     []string
	// Groups is each host's group (a POP), nil when none has one: the
	// fleet table has a line per group.
	Groups   []string
	Timing   metrics.Timing
	History  time.Duration
	Location *time.Location // nil: UTC
	// Status is the hosts' collection status, for the fleet table's
	// conditions (nil: not known, every host "waiting").
	Status *monitor.HostStatus
}

func (c Context) location() *time.Location {
	if c.Location == nil {
		return time.UTC
	}
	return c.Location
}

// Readout is the charts' content as data: for each panel of the chosen
// pages, per metric and host, the current value (at the cursor, when
// paused), the window's min, average and max, and the trend. The text
// readout (r, --readout, --once) and --once --format json are made from it.
type Readout struct {
	Time          time.Time  `json:"time"`
	Hosts         []string   `json:"hosts"`
	WindowSeconds float64    `json:"window_seconds"`
	Paused        bool       `json:"paused,omitempty"`
	Cursor        *time.Time `json:"cursor,omitempty"`
	Absolute      bool       `json:"absolute,omitempty"` // counters as absolute counts
	Errors        []string   `json:"errors,omitempty"`
	Warnings      []string   `json:"warnings,omitempty"` // "host: warning", --once
	// Status is the worst level of Alerts ("ok", "warning", "critical");
	// Alerts are every series over a limit, on every page (Alerts).
	// Both are left out when the dashboard sets no limits.
	Status string  `json:"status,omitempty"`
	Alerts []Alert `json:"alerts,omitempty"`

	// Fleet is the fleet table, in a readout of every page of more than
	// one host (BuildAll).
	Fleet *Fleet `json:"fleet,omitempty"`

	Pages []Page `json:"pages"`

	location *time.Location
}

// BuildAll reads every page the hosts have (PageAbsent) and, with more
// than one host, the fleet table worst first: what --once and --batch
// --format json print.
func BuildAll(rc Context, store *metrics.Store, span metrics.Span) Readout {
	var pages []int
	for i := range rc.Dashboard.Pages {
		if !PageAbsent(rc.Dashboard, store, i) {
			pages = append(pages, i)
		}
	}
	r := Build(rc, store, span, pages)
	if len(rc.Hosts) > 1 {
		f := BuildFleet(rc, store, span, FleetOptions{SortBy: SortStatus})
		r.Fleet = &f
	}
	return r
}

// Page is one dashboard page.
type Page struct {
	Number int     `json:"number"` // from 1
	Of     int     `json:"of"`
	Name   string  `json:"name"`
	Panels []Panel `json:"panels"`
}

// Panel is one panel.
type Panel struct {
	Title   string   `json:"title"`
	View    string   `json:"view,omitempty"` // "table" for a table panel
	Metrics []Metric `json:"metrics"`
	// Untracked is the most matches of one of the panel's wildcard keys
	// a host's store did not keep (metrics.MaxFamilyMembers).
	Untracked int `json:"untracked,omitempty"`
}

// Metric is one metric of a panel, for every host.
type Metric struct {
	Name string `json:"name"`
	Type string `json:"type"`
	// Member is what the wildcard of a family metric matched (one series
	// of a remap, an origin); Rest > 0 says the line takes that many
	// members together (their sum, or mean for percentages and times).
	Member string `json:"member,omitempty"`
	Rest   int    `json:"rest,omitempty"`
	// Unit of the values: per_second (counters' rates), count (gauges,
	// and counters' absolute counts), ms or percent; expressions may also
	// give s, bytes, bits_per_second or bytes_per_second.
	Unit     string    `json:"unit"`
	Readings []Reading `json:"hosts"`

	unit     metrics.Unit
	rate     bool
	absolute bool
	panel    string // the panel's title, for the sentence
}

// Reading is one metric of one host. Values are null when there are none.
type Reading struct {
	Host    string   `json:"host"`
	Value   *float64 `json:"value"`
	Min     *float64 `json:"min"`
	Avg     *float64 `json:"avg"`
	Max     *float64 `json:"max"`
	Trend   string   `json:"trend,omitempty"`
	Samples int      `json:"samples"` // points in the window
	// P50, P95 and P99 are the window's median and 95th and 99th
	// percentiles of the samples (nearest rank).
	P50 *float64 `json:"p50"`
	P95 *float64 `json:"p95"`
	P99 *float64 `json:"p99"`
	// Requests: for a metric taken from a histogram (type quantile), the
	// window's quantiles over every observation it holds (each request,
	// for a latency histogram), where P50 and the rest are over the
	// points drawn, each an interval's quantile.
	Requests *RequestQuantiles `json:"requests,omitempty"`
	// Total is a counter's absolute count, whatever is shown.
	Total *float64 `json:"total,omitempty"`
	// Stale says Value is the host's last value, older than its stale
	// limit (the host stopped answering); AgeSeconds is how old Value is
	// (live values only).
	Stale bool `json:"stale"`
	// Missing: the host's server has no record the metric reads (a 10.x
	// record on 9.x): "not on this server", not a value still to come.
	Missing bool `json:"missing,omitempty"`
	// Waiting: the host answers, but the metric has no value yet (a rate
	// needs a second change; ATS refreshes some records every 5 s).
	Waiting    bool     `json:"waiting,omitempty"`
	AgeSeconds *float64 `json:"age_seconds,omitempty"`
}

// RequestQuantiles are a window's quantiles over its observations.
type RequestQuantiles struct {
	Count float64 `json:"count"`
	P50   float64 `json:"p50"`
	P95   float64 `json:"p95"`
	P99   float64 `json:"p99"`
}

// Build reads the given pages (indexes) of the store for the span.
func Build(rc Context, store *metrics.Store, span metrics.Span, pages []int) Readout {
	r := Readout{
		Time: span.End, Hosts: rc.Hosts, WindowSeconds: span.Window.Seconds(),
		Paused: span.Paused, Absolute: span.Absolute, location: rc.location(),
	}
	if span.Paused {
		c := span.Cursor
		r.Cursor = &c
	}
	if rc.Dashboard.HasLimits() {
		r.Alerts = Alerts(rc, store, span)
		r.Status = Status(r.Alerts).String()
	}
	want := map[int]bool{}
	for _, p := range pages {
		want[p] = true
	}
	d := rc.Dashboard
	lastPage, lastPanel := -1, -1
	for ref := range d.Metrics() {
		pi, ni, m, id := ref.Page, ref.Panel, ref.Metric, ref.ID
		if !want[pi] {
			continue
		}
		if pi != lastPage {
			r.Pages = append(r.Pages, Page{Number: pi + 1, Of: len(d.Pages), Name: d.Pages[pi].Name})
			lastPage, lastPanel = pi, -1
		}
		pg := &r.Pages[len(r.Pages)-1]
		if ni != lastPanel {
			pg.Panels = append(pg.Panels, Panel{Title: d.Pages[pi].Panels[ni].Title, View: d.Pages[pi].Panels[ni].View})
			lastPanel = ni
		}
		pn := &pg.Panels[len(pg.Panels)-1]
		panel := d.Pages[pi].Panels[ni]
		for h := range store.Hosts() {
			pn.Untracked = max(pn.Untracked, store.Series(h, id).Untracked())
		}
		for _, line := range PanelLines(store, id, panel, span) {
			rm := Metric{Name: LineName(m.Name, line, len(panel.Metrics)), Type: m.Type, panel: pn.Title, Member: line.Member, Rest: line.Rest}
			// Every host's series of a line has the same kind, so the
			// same unit and way of showing it (a store has at least
			// one host).
			first := line.Hosts[0]
			rm.unit, rm.rate, rm.absolute = first.Unit, first.Rate, first.Absolute
			for h, host := range rc.Hosts {
				rm.Readings = append(rm.Readings, reading(rc, span, h, host, line))
			}
			rm.Unit = UnitName(rm.unit, rm.rate)
			pn.Metrics = append(pn.Metrics, rm)
		}
	}
	return r
}

// reading is one line of one host.
func reading(rc Context, span metrics.Span, h int, host string, line metrics.Line) Reading {
	shown := line.Hosts[h]
	rd := Reading{Host: host, Missing: shown.Missing, Waiting: shown.Waiting}
	if c := shown.Current(rc.Timing.At(span, h)); c.OK {
		rd.Value = &c.V
		if !span.Paused {
			age := c.Age.Seconds()
			rd.Stale, rd.AgeSeconds = c.Stale, &age
		}
	}
	if sum := shown.Hist.Summarize(span.Start(), span.End); sum.N > 0 {
		rd.Min, rd.Avg, rd.Max = &sum.Min, &sum.Avg, &sum.Max
		rd.Trend, rd.Samples = sum.Trend.String(), sum.N
		if p, ok := shown.Hist.Percentiles(span.Start(), span.End, 0.5, 0.95, 0.99); ok {
			rd.P50, rd.P95, rd.P99 = &p[0], &p[1], &p[2]
		}
	}
	if s := line.Series[h]; s != nil {
		if t, ok := s.LatestAbsolute(); ok {
			rd.Total = &t
		}
		if n, q, ok := s.Obs.Quantiles(span.Start(), span.End, 0.5, 0.95, 0.99); ok && !shown.Absolute {
			rd.Requests = &RequestQuantiles{Count: n, P50: q[0], P95: q[1], P99: q[2]}
		}
	}
	return rd
}

// PanelLines are the lines a panel shows of one of its metrics: a plain
// metric's one line; a family's members, all of them in span.Order for a
// table, for a chart the panel's top by the window's mean and the rest as
// one line (metrics.Store.Lines).
func PanelLines(store *metrics.Store, id int, panel config.Panel, span metrics.Span) []metrics.Line {
	if panel.IsTable() {
		return store.Lines(id, span, 0, span.Order)
	}
	return store.Lines(id, span, panel.TopN(), metrics.OrderMean)
}

// LineName is what a line is called in legends, tables and the readout:
// the metric's name; for a family member, the metric's name with its *
// replaced by the member's ("volume *" names volume 0 "volume 0"), else the
// member's name (after the metric's, when the panel has several metrics);
// "N other" for the rest of a family.
func LineName(metric string, l metrics.Line, panelMetrics int) string {
	var name string
	switch {
	case l.Rest > 0:
		name = fmt.Sprintf("%d other", l.Rest)
		if strings.Contains(metric, metrics.Wildcard) {
			return strings.Replace(metric, metrics.Wildcard, name, 1)
		}
	case l.Member != "":
		if strings.Contains(metric, metrics.Wildcard) {
			return strings.Replace(metric, metrics.Wildcard, l.Member, 1)
		}
		name = l.Member
	default:
		return metric
	}
	if panelMetrics > 1 {
		return metric + " " + name
	}
	return name
}

// UnitName is how the readout's JSON and an export name a unit:
// per_second for a counter's rate, else the unit's own name.
func UnitName(u metrics.Unit, rate bool) string {
	if rate {
		return "per_second"
	}
	return u.String()
}

// percentileSamples is how many samples a window needs before the
// readout says its percentiles: with fewer they say little the min, the
// average and the max do not (JSON has them from one).
const percentileSamples = 10

// NotOnServer is what is said of a metric whose records the host's server
// does not have, wherever its value would be.
const NotOnServer = "not on this server"

// WaitingNote is what is said of a metric whose host answers but which has no
// value yet.
const WaitingNote = "waiting for the server's next update"

// Head is what the readout says before any page: the Alerts line when the
// dashboard sets limits (a screen reader meets it first), and the Intro.
func (r Readout) Head() []string {
	if r.Status == "" {
		return []string{r.Intro()}
	}
	return []string{AlertsLine(r.Alerts, r.location), r.Intro()}
}

// Intro is the sentence that says what the readout's numbers are. It
// names no time while live, so that it does not change every tick.
func (r Readout) Intro() string {
	win := metrics.SpokenDuration(time.Duration(r.WindowSeconds * float64(time.Second)))
	s := "Values now. Min, average, max, percentiles and trend: last " + win + "."
	if r.Paused && r.Cursor != nil {
		s = fmt.Sprintf("Paused at %s. Min, average, max, percentiles and trend: %s to %s.",
			metrics.Clock(*r.Cursor, r.location), win, metrics.Clock(r.Time, r.location))
	}
	if r.Absolute {
		s += " Counters as totals."
	}
	return s
}

// Lines is the readout as text, one fact per line, in dashboard order:
// with headings, each page's name and, per panel, its title, then one
// sentence per metric and host, such as
//
//	Requests per second, Client, edge1: 3.6 thousand, rising. Min 2.4 thousand, average 3.1 thousand, max 3.9 thousand.
//
// Each sentence names its panel, metric and host, so a screen reader
// walking the lines never needs the lines before. The order and wording
// are stable (no clock, no spinner), so from one tick to the next only
// lines whose numbers changed differ, and Bubble Tea's renderer, which
// rewrites only changed lines, leaves the others alone.
func (r Readout) Lines(pageHeadings bool) []string {
	var out []string
	for _, pg := range r.Pages {
		if pageHeadings {
			out = append(out, fmt.Sprintf("Page %d of %d: %s", pg.Number, pg.Of, pg.Name))
		}
		for _, pn := range pg.Panels {
			out = append(out, pn.Title)
			if pn.Untracked > 0 {
				out = append(out, fmt.Sprintf("  %s: %d more matches not kept (at most %d a key and host).", pn.Title, pn.Untracked, metrics.MaxFamilyMembers))
			}
			for _, m := range pn.Metrics {
				for _, rd := range m.Readings {
					out = append(out, "  "+m.sentence(rd))
				}
			}
		}
	}
	return out
}

// sentence says one reading: "Requests per second, Client, edge1: 3.6
// thousand, rising. Min 2.4 thousand, average 3.1 thousand, max 3.9
// thousand." Units are spoken with every number (milliseconds, percent);
// a rate says "per second" unless its panel title already does, and an
// absolute count says "total".
func (m Metric) sentence(rd Reading) string {
	label := metrics.SpokenLabel(m.panel)
	if m.absolute {
		label = strings.Replace(label, " per second", "", 1)
	}
	say := func(v float64) string { return metrics.Spoken(v, m.unit) }
	head := fmt.Sprintf("%s, %s, %s: ", label, m.Name, rd.Host)
	var now string
	switch {
	case rd.Missing && rd.Value == nil:
		return head + NotOnServer + "."
	case rd.Value == nil && rd.Min == nil && rd.Waiting:
		return head + WaitingNote + "."
	case rd.Value == nil && rd.Min == nil:
		return head + "no data yet."
	case rd.Value == nil:
		now = "no current value"
	case rd.Stale:
		age := time.Duration(*rd.AgeSeconds * float64(time.Second))
		now = "no data for " + metrics.SpokenDuration(age) + "; last " + say(*rd.Value)
	default:
		now = say(*rd.Value)
		if m.rate && !strings.Contains(label, "per second") {
			now += " per second"
		}
		if m.absolute {
			now += " total"
		}
	}
	if rd.Min == nil {
		return head + now + "."
	}
	s := fmt.Sprintf("%s%s, %s. Min %s, average %s, max %s.", head, now, rd.Trend, say(*rd.Min), say(*rd.Avg), say(*rd.Max))
	if rd.P50 != nil && rd.Samples >= percentileSamples {
		s += fmt.Sprintf(" Median %s, p95 %s, p99 %s.", say(*rd.P50), say(*rd.P95), say(*rd.P99))
	}
	if q := rd.Requests; q != nil {
		s += fmt.Sprintf(" Over the window's %s requests: median %s, p95 %s, p99 %s.",
			metrics.Spoken(q.Count, metrics.UnitCount), say(q.P50), say(q.P95), say(q.P99))
	}
	return s
}

// PageAbsent says an optional page (config.Page.Optional) is to be left
// out: every host answered, and no wildcard key of the page matches a
// record on any of them (no remap_stats plugin, no per-origin records);
// on a page without wildcard keys, no host has any of its records. A page
// with a host still to answer is shown: it may yet have them.
func PageAbsent(d *config.Dashboard, store *metrics.Store, page int) bool {
	if page < 0 || page >= len(d.Pages) || !d.Pages[page].Optional {
		return false
	}
	families := false
	for ref := range d.Metrics() {
		if ref.Page == page && store.Series(0, ref.ID).IsFamily() {
			families = true
		}
	}
	for ref := range d.Metrics() {
		if ref.Page != page || (families && !store.Series(0, ref.ID).IsFamily()) {
			continue
		}
		for h := range store.Hosts() {
			if !store.Series(h, ref.ID).Missing() {
				return false
			}
		}
	}
	return true
}

// StatsTable is the readout's pages as a table of window statistics, one
// row per metric and host: the value now, the window's min, mean, max,
// median, p95 and p99 and its sample count, aligned in columns under
// each panel's title (the i key). A metric taken from a histogram has a
// second row, "over requests": the quantiles of every request in the
// window and their count.
func (r Readout) StatsTable() []string {
	head := []string{"metric", "host", "now", "min", "mean", "max", "p50", "p95", "p99", "samples"}
	type row struct {
		cells []string
		title string // a panel's title line instead
	}
	var rows []row
	for _, pg := range r.Pages {
		for _, pn := range pg.Panels {
			rows = append(rows, row{title: pn.Title})
			for _, m := range pn.Metrics {
				f := func(v *float64) string {
					if v == nil {
						return "-"
					}
					return metrics.Format(*v, m.unit)
				}
				for _, rd := range m.Readings {
					now := f(rd.Value)
					if rd.Stale && rd.Value != nil {
						now += "?"
					}
					rows = append(rows, row{cells: []string{m.Name, rd.Host, now, f(rd.Min), f(rd.Avg), f(rd.Max), f(rd.P50), f(rd.P95), f(rd.P99), fmt.Sprint(rd.Samples)}})
					if q := rd.Requests; q != nil {
						// The same quantiles over every request of the window.
						rows = append(rows, row{cells: []string{"  over requests", rd.Host, "", "", "", "", f(&q.P50), f(&q.P95), f(&q.P99), metrics.Format(q.Count, metrics.UnitCount) + " req"}})
					}
				}
			}
		}
	}
	widths := make([]int, len(head))
	for i, h := range head {
		widths[i] = len(h)
	}
	for _, rw := range rows {
		for i, c := range rw.cells {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	line := func(cells []string) string {
		var b strings.Builder
		b.WriteString("  ")
		for i, c := range cells {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			if i < 2 {
				b.WriteString(c + pad) // names to the left, numbers to the right
			} else {
				b.WriteString(pad + c)
			}
			if i < len(cells)-1 {
				b.WriteString("  ")
			}
		}
		return b.String()
	}
	out := []string{line(head)}
	for _, rw := range rows {
		if rw.title != "" {
			out = append(out, rw.title)
			continue
		}
		out = append(out, line(rw.cells))
	}
	return out
}
