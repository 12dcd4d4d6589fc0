// Package config loads and validates dashboards written in the original
// traffic_grapher YAML schema (pages → panels → metrics).
package config

import (
	"fmt"
	"iter"
	"maps"
	"slices"
	"strings"

	"github.com/traffic-grapher/traffic_grapher/metrics"
	"github.com/traffic-grapher/traffic_grapher/metrics/expr"
)

// Metric types, named as YAML writes them; the metrics package's registry
// (metrics.LookupType) says what each is.
const (
	TypeCounter     = string(metrics.TypeCounter)
	TypeGauge       = string(metrics.TypeGauge)
	TypeLatency     = string(metrics.TypeLatency)
	TypeHitRate     = string(metrics.TypeHitRate)
	TypeQuantile    = string(metrics.TypeQuantile)
	TypeUsedPercent = string(metrics.TypeUsedPercent)
	TypeExpr        = string(metrics.TypeExpr)
)

// Metric is one line on a panel.
type Metric struct {
	Name string // label shown in titles and legends ("Client")
	Type string // one of the Type* constants (a metrics.TypeNames name), lowercase
	Key  string // record name
	Key2 string // second record for latency (count) and hit_rate (misses)
	// Color is "" (pick from a palette, see PaletteColor) or anything
	// ParseColor accepts; Parse stores it normalised to "#rrggbb".
	Color string
	// Unit is the unit of Key's values for latency metrics: "ms" (ATS 10),
	// "s" (ATS 9.x float seconds) or "" to decide from the value's type;
	// for an expression, the unit of its values (metrics.ParseUnit).
	Unit string
	// Expr is an expression metric's formula (package metrics/expr), and
	// Inputs the short names it uses for records.
	Expr   string
	Inputs map[string]string
	Line   int // line of the metric in its YAML file, for messages; 0 if not from a file
	// ExprAt is where Expr's text starts in the file, for messages
	// pointing into it.
	ExprAt SourcePos
	// Limits are the metric's warn: and crit: thresholds and their for:
	// (metrics.Limits.Judge says when they alert).
	Limits metrics.Limits
}

// SourcePos is a place in a dashboard file: 1-based line and column.
type SourcePos struct{ Line, Column int }

// Expression parses the metric's expr: (nil for other types). A dashboard
// from Parse or Validate has parsed every expression already.
func (m Metric) Expression() (*expr.Expr, error) {
	if m.Type != TypeExpr {
		return nil, nil
	}
	return expr.Parse(m.Expr, m.Inputs)
}

// Def is the metric as the derivations see it.
func (m Metric) Def() metrics.MetricDef {
	d := metrics.MetricDef{Name: m.Name, Type: metrics.Type(m.Type), Key: m.Key, Key2: m.Key2, Unit: m.Unit}
	if e, err := m.Expression(); err == nil && e != nil {
		d.Expr = e
	}
	return d
}

// Records are the records the metric reads.
func (m Metric) Records() []string { return m.Def().Records() }

// Panel is one chart (up to a few metrics sharing a y axis) or, with
// View "table", one row per metric with its values and sparklines.
type Panel struct {
	Title string
	View  string // "" or "chart": a chart; "table": a table
	// Top is how many members of a family (a key with a wildcard) a
	// chart draws one by one, the rest as one "other" line; 0 means
	// DefaultTop. A table lists every member.
	Top     int
	Metrics []Metric
}

// DefaultTop is a chart's Top when the panel does not say.
const DefaultTop = 5

// TopN is the panel's Top, or DefaultTop.
func (p Panel) TopN() int {
	if p.Top > 0 {
		return p.Top
	}
	return DefaultTop
}

// Panel views.
const (
	ViewChart = "chart"
	ViewTable = "table"
)

// IsTable says the panel is drawn as a table.
func (p Panel) IsTable() bool { return p.View == ViewTable }

// Page is up to four panels shown together in a 2x2 grid.
type Page struct {
	Name string
	// Optional pages are left out while no host has any of their records
	// (report.PageAbsent): per-remap and per-origin pages on a server
	// without the plugin or the origins.
	Optional bool
	Panels   []Panel
}

// HostEntry is one entry of a dashboard's hosts: list.
type HostEntry struct {
	Name string
	// Group is what the host belongs to (a POP, a region): the fleet
	// table has a line per group.
	Group  string
	Source string // "" means jsonrpc
	URL    string
	Socket string
	SSH    string
	Host   string
	// TrafficCtl is the traffic_ctl binary to run for this host ("":
	// the dashboard's, else searched).
	TrafficCtl string
	Line       int // line in the YAML file, for messages
}

// Kind is the host's source kind: Source, or "jsonrpc" when not given.
func (h HostEntry) Kind() string {
	if h.Source == "" {
		return "jsonrpc"
	}
	return h.Source
}

// MaxHosts is how many hosts one page overlays (one line pattern each);
// a fleet of more is shown as a table (the fleet: columns), from which up
// to MaxHosts are opened on the pages.
const MaxHosts = 4

// MaxFleet is how many hosts one run watches.
const MaxFleet = 1000

// MaxFleetColumns bounds the fleet table's columns.
const MaxFleetColumns = 8

// FleetColumn is one column of the fleet table: a metric of the pages,
// found by its panel's title and its name (and its page's, when panel
// titles repeat).
type FleetColumn struct {
	Title               string
	Page, Panel, Metric string
	// Worst is which end of the column sorts first: "high" (the
	// default: 5xx, latency) or "low" (a hit rate, requests).
	Worst string
	Line  int
	// ID is the metric's (Dashboard.Metrics): FleetColumns sets it; the
	// file's Fleet leaves it 0.
	ID int
}

// LowIsWorst says the column's low values are the bad ones.
func (c FleetColumn) LowIsWorst() bool { return c.Worst == "low" }

// Dashboard is a whole configuration.
type Dashboard struct {
	Pages []Page
	// Builtin is the name of the built-in dashboard this is ("ats",
	// "node"); "" for one read from a file.
	Builtin string
	// BuiltinPages names a built-in dashboard to show instead of Pages;
	// the pages package knows which exist, so a wrong name is reported by
	// whoever looks it up, at BuiltinPagesLine.
	BuiltinPages     string
	BuiltinPagesLine int
	// Hosts are collected when the command line names none.
	Hosts []HostEntry
	// HistorySeconds and Timezone are zero/empty when the file does not set
	// them; command-line flags and defaults fill in the rest.
	HistorySeconds int
	Timezone       string
	// TrafficCtl is the traffic_ctl binary for every host that names none.
	TrafficCtl string
	// Fleet is the fleet table's columns as the file gives them; use
	// FleetColumns, which resolves them (or makes the default ones).
	Fleet []FleetColumn
}

// FleetColumns are the fleet table's columns with their metric IDs: the
// file's fleet:, or by default the first plain metric of each panel of
// the first page, at most MaxFleetColumns.
func (d *Dashboard) FleetColumns() []FleetColumn {
	if len(d.Fleet) > 0 {
		out := slices.Clone(d.Fleet)
		for i := range out {
			out[i].ID, _ = d.findFleetMetric(out[i])
		}
		return slices.DeleteFunc(out, func(c FleetColumn) bool { return c.ID < 0 })
	}
	var out []FleetColumn
	for ref := range d.Metrics() {
		if ref.Page > 0 || len(out) == MaxFleetColumns {
			break
		}
		if ref.Index > 0 {
			continue
		}
		if _, wild := ref.Metric.Def().Pattern(); wild {
			continue
		}
		pn := d.Pages[ref.Page].Panels[ref.Panel]
		out = append(out, FleetColumn{Title: pn.Title, Panel: pn.Title, Metric: ref.Metric.Name, ID: ref.ID})
	}
	return out
}

// findFleetMetric finds c's metric: its ID, or -1 and why not.
func (d *Dashboard) findFleetMetric(c FleetColumn) (int, string) {
	id, found := -1, 0
	var pages []string
	for ref := range d.Metrics() {
		pg, pn := d.Pages[ref.Page], d.Pages[ref.Page].Panels[ref.Panel]
		if pn.Title != c.Panel || ref.Metric.Name != c.Metric || (c.Page != "" && pg.Name != c.Page) {
			continue
		}
		if found == 0 {
			id = ref.ID
		}
		found++
		pages = append(pages, fmt.Sprintf("%q", pg.Name))
		if _, wild := ref.Metric.Def().Pattern(); wild {
			return -1, fmt.Sprintf("%s of panel %q reads a wildcard record: a fleet column is one number per host", c.Metric, c.Panel)
		}
	}
	switch {
	case found == 0 && c.Page != "":
		return -1, fmt.Sprintf("no panel %q with a metric %q on page %q", c.Panel, c.Metric, c.Page)
	case found == 0:
		return -1, fmt.Sprintf("no panel %q with a metric %q", c.Panel, c.Metric)
	case found > 1:
		return -1, fmt.Sprintf("panel %q with a metric %q is on pages %s: say which with page:", c.Panel, c.Metric, strings.Join(pages, ", "))
	}
	return id, ""
}

// MetricRef is one metric of a dashboard, where it is and its id.
type MetricRef struct {
	Page, Panel, Index int // Pages[Page].Panels[Panel].Metrics[Index]
	// ID numbers the dashboard's metrics from 0 in page, panel, metric
	// order: the one numbering the store, the panels and the readouts use.
	ID     int
	Metric Metric
}

// Metrics yields every metric of the dashboard in ID order.
func (d *Dashboard) Metrics() iter.Seq[MetricRef] {
	return func(yield func(MetricRef) bool) {
		id := 0
		for pi, p := range d.Pages {
			for ni, n := range p.Panels {
				for mi, m := range n.Metrics {
					if !yield(MetricRef{Page: pi, Panel: ni, Index: mi, ID: id, Metric: m}) {
						return
					}
					id++
				}
			}
		}
	}
}

// MetricID is the ID of Pages[page].Panels[panel].Metrics[index].
func (d *Dashboard) MetricID(page, panel, index int) int {
	id := 0
	for pi, p := range d.Pages {
		for ni, n := range p.Panels {
			if pi == page && ni == panel {
				return id + index
			}
			id += len(n.Metrics)
		}
	}
	return id + index
}

// Keys lists every record name the dashboard reads, each once, in a stable
// order. Collectors request exactly these in one batch per host.
func (d *Dashboard) Keys() []string {
	return d.keysOf(func(MetricRef) bool { return true })
}

// FleetKeys are the keys a fleet needs of every host, shown on the pages
// or not: those of the fleet table's columns, and those of every metric
// with a limit, which is judged (and alerts) for every host. The hosts
// on the pages are asked every Key.
func (d *Dashboard) FleetKeys() []string {
	column := map[int]bool{}
	for _, c := range d.FleetColumns() {
		column[c.ID] = true
	}
	return d.keysOf(func(ref MetricRef) bool { return column[ref.ID] || ref.Metric.Limits.Set() })
}

// keysOf lists the record names of the metrics for which want is true,
// each once, in ID order.
func (d *Dashboard) keysOf(want func(MetricRef) bool) []string {
	seen := map[string]bool{}
	keys := []string{}
	for ref := range d.Metrics() {
		if !want(ref) {
			continue
		}
		for _, k := range ref.Metric.Records() {
			if k != "" && !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	return keys
}

// HasLimits says some metric of the dashboard has a warn: or crit: limit.
func (d *Dashboard) HasLimits() bool {
	for ref := range d.Metrics() {
		if ref.Metric.Limits.Set() {
			return true
		}
	}
	return false
}

// ExactKeys are the Keys that name one record each, those without a
// wildcard (metrics.IsPattern).
func (d *Dashboard) ExactKeys() []string {
	return slices.DeleteFunc(d.Keys(), metrics.IsPattern)
}

// Clone returns a deep copy of the dashboard, which the caller may modify
// freely.
func (d *Dashboard) Clone() *Dashboard {
	c := *d
	c.Hosts = append([]HostEntry(nil), d.Hosts...)
	c.Fleet = slices.Clone(d.Fleet)
	c.Pages = make([]Page, len(d.Pages))
	for i, p := range d.Pages {
		c.Pages[i] = Page{Name: p.Name, Optional: p.Optional, Panels: make([]Panel, len(p.Panels))}
		for j, pn := range p.Panels {
			c.Pages[i].Panels[j] = Panel{Title: pn.Title, View: pn.View, Top: pn.Top, Metrics: append([]Metric(nil), pn.Metrics...)}
			for k, m := range pn.Metrics {
				cm := &c.Pages[i].Panels[j].Metrics[k]
				cm.Inputs = maps.Clone(m.Inputs)
				cm.Limits.Warn, cm.Limits.Crit = clonePtr(m.Limits.Warn), clonePtr(m.Limits.Crit)
			}
		}
	}
	return &c
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
