package report

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/traffic-grapher/traffic_grapher/collect"
	"github.com/traffic-grapher/traffic_grapher/config"
	"github.com/traffic-grapher/traffic_grapher/metrics"
	"github.com/traffic-grapher/traffic_grapher/monitor"
)

// Fleet is the fleet table: a row per host with the dashboard's fleet
// columns (config.Dashboard.FleetColumns) and its collection's condition,
// worst first, under a line for the whole fleet. The screen, the readout,
// --once and --batch all take it from here.
type Fleet struct {
	Columns []FleetColumn `json:"columns"`
	// Group is the rows' sum (counts, rates, bytes) or mean (percentages,
	// durations), column by column, over the hosts with a current value.
	Group FleetRow `json:"fleet"`
	// Groups are the same line per group of hosts (a config's group:, a
	// POP), in natural order of their names; none when no host has one.
	Groups []FleetRow `json:"groups,omitempty"`
	Rows   []FleetRow `json:"hosts"`
	// SortedBy is the sort: SortStatus, SortName or a column's index.
	SortedBy int `json:"-"`
	// Filter is the name filter the rows passed ("" for none); Total is
	// how many hosts there are in all.
	Filter string `json:"filter,omitempty"`
	Total  int    `json:"total"`

	firsts []int // per column, how many rows share the worst value
}

// The sorts other than by a column.
const (
	SortStatus = -1 // the worst condition, then alerts, then outliers
	SortName   = -2
)

// FleetColumn is one column's heading and how its values read.
type FleetColumn struct {
	Title      string `json:"title"`
	Unit       string `json:"unit"`
	LowIsWorst bool   `json:"low_is_worst,omitempty"`
	ID         int    `json:"-"` // the metric's (config.MetricRef.ID)
	unit       metrics.Unit
	rate       bool // a counter's rate, said "per second"
}

// FleetRow is one host, or the fleet.
type FleetRow struct {
	Host int    `json:"-"` // its index in Context.Hosts; -1 for the group line
	Name string `json:"host"`
	// Group is the host's group; for a group's line, the group.
	Group  string `json:"group,omitempty"`
	Status string `json:"status"`
	// ForSeconds is how long it has been in its condition, when known.
	ForSeconds *float64 `json:"for_seconds,omitempty"`
	// RetrySeconds is how long until a failing host is asked again.
	RetrySeconds *float64    `json:"retry_seconds,omitempty"`
	Error        string      `json:"error,omitempty"`
	Cells        []FleetCell `json:"values"`
	// Outliers counts its cells that stand out from the fleet.
	Outliers int `json:"outliers"`
	// Alert is its cells' worst alert ("" none, "warning", "critical").
	Alert string `json:"alert,omitempty"`

	Condition monitor.Condition `json:"-"`
	alert     metrics.Level
}

// ValueUnit is how the column's values are written (metrics.Format).
func (c FleetColumn) ValueUnit() metrics.Unit { return c.unit }

// FleetCell is one host's value of one column.
type FleetCell struct {
	Value *float64 `json:"value"`
	// Stale: the host's last value, not what it says now
	// (metrics.Shown.Current: too old, or a fetch failed since).
	Stale bool `json:"stale,omitempty"`
	// Outlier: the window's mean is far from the fleet's median of
	// them, on the bad side (metrics.Outliers); a stale host is left out.
	Outlier bool `json:"outlier,omitempty"`
	// Alert: the metric is over one of its limits ("warning",
	// "critical").
	Alert string `json:"alert,omitempty"`
	// Rank is 1 for the worst current value of the column, 2 for the
	// next; 0 without a current value.
	Rank  int           `json:"rank,omitempty"`
	Level metrics.Level `json:"-"`
}

// FleetOptions say how the table is sorted and filtered.
type FleetOptions struct {
	SortBy int    // SortStatus, SortName or a column's index
	Filter string // rows whose name or group holds it (any case); "" all
}

// BuildFleet reads the fleet table of every host of the store at the
// span's instant. rc.Status says each host's condition (nil: none known;
// a host with current values is then taken to be ok, the others waiting).
func BuildFleet(rc Context, store *metrics.Store, span metrics.Span, opts FleetOptions) Fleet {
	status := rc.Status
	d := rc.Dashboard
	f := Fleet{SortedBy: opts.SortBy, Filter: opts.Filter, Total: store.Hosts()}
	for _, c := range d.FleetColumns() {
		unit := metricByID(d, c.ID).Def().DisplayUnit()
		f.Columns = append(f.Columns, FleetColumn{Title: c.Title, Unit: unit.String(), LowIsWorst: c.LowIsWorst(), ID: c.ID, unit: unit})
	}
	judged := span
	judged.Absolute = false
	filter := strings.ToLower(opts.Filter)
	var hosts []int
	for h := range store.Hosts() {
		if h < len(rc.Hosts) && (strings.Contains(strings.ToLower(rc.Hosts[h]), filter) || strings.Contains(strings.ToLower(groupOf(rc, h)), filter)) {
			hosts = append(hosts, h)
		}
	}
	for _, h := range hosts {
		row := FleetRow{Host: h, Name: rc.Hosts[h], Group: groupOf(rc, h), Status: monitor.CondWaiting.String(), Condition: monitor.CondWaiting, Cells: make([]FleetCell, len(f.Columns))}
		if status != nil {
			// Slow: a reply that takes more than half its deadline.
			cond, since := status.Condition(h, span.End, rc.Timing.StaleAfter(h), rc.Timing.Deadline(h)/2)
			row.Condition, row.Status = cond, cond.String()
			if !since.IsZero() {
				s := span.End.Sub(since).Seconds()
				row.ForSeconds = &s
			}
			hh := status.Health(h)
			if hh.Err != nil {
				row.Error = monitor.OneLine(hh.Err.Error())
			}
			if hh.Retry > 0 {
				s := hh.Retry.Seconds()
				row.RetrySeconds = &s
			}
		}
		f.Rows = append(f.Rows, row)
	}
	groups := groupRows(f.Rows)
	for _, g := range groups {
		f.Groups = append(f.Groups, FleetRow{Host: -1, Name: g.name, Group: g.name})
	}
	for ci, col := range f.Columns {
		m := metricByID(d, col.ID)
		lines := store.Lines(col.ID, judged, 0, metrics.OrderName)
		if len(lines) == 0 {
			continue
		}
		line := lines[0]
		if len(line.Hosts) > 0 {
			col.rate, col.unit = line.Hosts[0].Rate, line.Hosts[0].Unit
			col.Unit = UnitName(col.unit, col.rate)
			f.Columns[ci] = col
		}
		alerts := JudgeLine(rc, m.Limits, line, judged)
		values := make([]float64, len(f.Rows))
		means := make([]float64, len(f.Rows))
		for ri := range f.Rows {
			h := f.Rows[ri].Host
			values[ri], means[ri] = math.NaN(), math.NaN()
			cell := &f.Rows[ri].Cells[ci]
			if c := line.Hosts[h].Current(rc.Timing.At(span, h)); c.OK {
				v := c.V
				cell.Value, cell.Stale = &v, c.Stale
				if !c.Stale {
					values[ri] = v
					if sum := line.Hosts[h].Hist.Summarize(span.Start(), span.End); sum.N > 0 {
						means[ri] = sum.Avg
					}
				}
			}
			if a := alerts[h]; a.Level != metrics.LevelOK {
				cell.Level, cell.Alert = a.Level, a.Level.String()
			}
		}
		// What stands out is judged on the window's means: a second's
		// values are too noisy (five 5xx of 3,000 one second, ten the
		// next), and a host that stays apart is what to look at.
		for ri, out := range metrics.Outliers(means, col.LowIsWorst) {
			f.Rows[ri].Cells[ci].Outlier = out
		}
		f.firsts = append(f.firsts, rankColumn(f.Rows, ci, col.LowIsWorst))
		f.Group.Cells = append(f.Group.Cells, groupCell(values, col.unit.Additive()))
		for gi, g := range groups {
			sub := make([]float64, len(g.rows))
			for i, ri := range g.rows {
				sub[i] = values[ri]
			}
			f.Groups[gi].Cells = append(f.Groups[gi].Cells, groupCell(sub, col.unit.Additive()))
		}
	}
	for ri := range f.Rows {
		r := &f.Rows[ri]
		for _, c := range r.Cells {
			if c.Outlier {
				r.Outliers++
			}
			r.alert = max(r.alert, c.Level)
			if status == nil && c.Value != nil && !c.Stale {
				// No status known: a host with current values answers.
				r.Condition, r.Status = monitor.CondOK, monitor.CondOK.String()
			}
		}
		if r.alert != metrics.LevelOK {
			r.Alert = r.alert.String()
		}
	}
	f.Group.Host, f.Group.Name, f.Group.Status = -1, groupName(len(f.Rows), f.Total, opts.Filter), summary(f.Rows)
	for gi, g := range groups {
		rows := make([]FleetRow, len(g.rows))
		for i, ri := range g.rows {
			rows[i] = f.Rows[ri]
		}
		f.Groups[gi].Name = fmt.Sprintf("%s %d", g.name, len(g.rows))
		f.Groups[gi].Status = summary(rows)
	}
	sortFleet(f.Rows, opts.SortBy, f.Columns)
	return f
}

// metricByID is the dashboard's metric id.
func metricByID(d *config.Dashboard, id int) config.Metric {
	for ref := range d.Metrics() {
		if ref.ID == id {
			return ref.Metric
		}
	}
	return config.Metric{}
}

// rankColumn numbers the rows' current values of column ci, worst first,
// equal values alike (1, 1, 3), and returns how many are first.
func rankColumn(rows []FleetRow, ci int, lowIsWorst bool) int {
	var idx []int
	for ri, r := range rows {
		if c := r.Cells[ci]; c.Value != nil && !c.Stale {
			idx = append(idx, ri)
		}
	}
	slices.SortStableFunc(idx, func(a, b int) int { return worseFirst(*rows[a].Cells[ci].Value, *rows[b].Cells[ci].Value, lowIsWorst) })
	firsts := 0
	for i, ri := range idx {
		rank := i + 1
		if i > 0 && *rows[ri].Cells[ci].Value == *rows[idx[i-1]].Cells[ci].Value {
			rank = rows[idx[i-1]].Cells[ci].Rank
		}
		rows[ri].Cells[ci].Rank = rank
		if rank == 1 {
			firsts++
		}
	}
	return firsts
}

// worseFirst orders a before b when a is worse.
func worseFirst(a, b float64, lowIsWorst bool) int {
	if lowIsWorst {
		return cmp.Compare(a, b)
	}
	return cmp.Compare(b, a)
}

// groupCell is the fleet's value of a column: the sum of the hosts'
// current values when they add up (metrics.Unit.Additive, as a family's
// "N other" line), else their mean.
func groupCell(values []float64, additive bool) FleetCell {
	var sum float64
	n := 0
	for _, v := range values {
		if !math.IsNaN(v) {
			sum += v
			n++
		}
	}
	if n == 0 {
		return FleetCell{}
	}
	if !additive {
		sum /= float64(n)
	}
	return FleetCell{Value: &sum}
}

// groupOf is host h's group, "" for none.
func groupOf(rc Context, h int) string {
	if h < len(rc.Groups) {
		return rc.Groups[h]
	}
	return ""
}

// ungrouped names the group of hosts without one, among hosts with one.
const ungrouped = "ungrouped"

// hostGroup is a group's rows (indexes into the table's).
type hostGroup struct {
	name string
	rows []int
}

// groupRows gathers the rows by group, in natural order of the groups'
// names (the ungrouped last); none when no row has a group. Hosts without one are a group
// "ungrouped" when others have one, so every host is in a line.
func groupRows(rows []FleetRow) []hostGroup {
	byName := map[string]int{}
	var out []hostGroup
	for ri, r := range rows {
		name := r.Group
		if name == "" {
			name = ungrouped
		}
		gi, ok := byName[name]
		if !ok {
			gi = len(out)
			byName[name] = gi
			out = append(out, hostGroup{name: name})
		}
		out[gi].rows = append(out[gi].rows, ri)
	}
	if len(out) == 1 && out[0].name == ungrouped || len(out) == 0 {
		return nil
	}
	slices.SortFunc(out, func(a, b hostGroup) int {
		if (a.name == ungrouped) != (b.name == ungrouped) {
			return cmp.Compare(btoi(a.name == ungrouped), btoi(b.name == ungrouped)) // last
		}
		return collect.NaturalCompare(a.name, b.name)
	})
	return out
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// groupName names the group line: "all 60", "12 of 60 (ams)".
func groupName(shown, total int, filter string) string {
	if filter == "" {
		return fmt.Sprintf("all %d", total)
	}
	return fmt.Sprintf("%d of %d (%s)", shown, total, filter)
}

// summary says how many hosts are in each condition but ok: "2 down, 1
// slow", or "ok".
func summary(rows []FleetRow) string {
	var counts [monitor.CondDown + 1]int
	for _, r := range rows {
		counts[r.Condition]++
	}
	var parts []string
	for c := monitor.CondDown; c > monitor.CondOK; c-- {
		if counts[c] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[c], c))
		}
	}
	if len(parts) == 0 {
		return monitor.CondOK.String()
	}
	return strings.Join(parts, ", ")
}

// sortFleet puts the worst rows first by the sort asked for; ties go by
// name, in natural order (edge2 before edge10).
func sortFleet(rows []FleetRow, by int, cols []FleetColumn) {
	slices.SortStableFunc(rows, func(a, b FleetRow) int {
		switch {
		case by == SortName:
		case by == SortStatus:
			if c := cmp.Compare(b.Condition, a.Condition); c != 0 {
				return c
			}
			if c := cmp.Compare(b.alert, a.alert); c != 0 {
				return c
			}
			if c := cmp.Compare(b.Outliers, a.Outliers); c != 0 {
				return c
			}
		case by >= 0 && by < len(cols):
			x, y := a.Cells[by], b.Cells[by]
			xo, yo := x.Value != nil && !x.Stale, y.Value != nil && !y.Stale
			switch {
			case xo && yo:
				if c := worseFirst(*x.Value, *y.Value, cols[by].LowIsWorst); c != 0 {
					return c
				}
			case xo != yo: // a current value before none
				if xo {
					return -1
				}
				return 1
			}
		}
		return collect.NaturalCompare(a.Name, b.Name)
	})
}

// Lines are the fleet table as the readout says it: a line for the
// fleet, then a sentence per host, worst first, each naming the host, its
// condition and its figures, with what stands out said in words.
func (f Fleet) Lines() []string {
	var sortWord string
	switch {
	case f.SortedBy == SortStatus:
		sortWord = "condition"
	case f.SortedBy == SortName:
		sortWord = "name"
	case f.SortedBy >= 0 && f.SortedBy < len(f.Columns):
		sortWord = f.Columns[f.SortedBy].Title
	}
	out := []string{fmt.Sprintf("Fleet: %s hosts, %s; sorted by %s, worst first.", strings.TrimPrefix(f.Group.Name, "all "), f.Group.Status, metrics.SpokenLabel(sortWord))}
	out = append(out, "  "+f.sentence(f.Group, len(f.Rows)))
	for _, g := range f.Groups {
		out = append(out, "  "+f.sentence(g, len(f.Rows)))
	}
	for _, r := range f.Rows {
		out = append(out, "  "+f.sentence(r, len(f.Rows)))
	}
	return out
}

// rankedFleet is the fewest hosts whose worst is said ("highest of 3"):
// of two, one is always the higher.
const rankedFleet = 3

// sentence says one row: "edge17, down for 2 minutes: 5xx % 4.2 percent,
// highest of 60, far from the fleet; …".
func (f Fleet) sentence(r FleetRow, of int) string {
	head := r.Name
	switch {
	case r.Host < 0 && r.Group != "":
		head = "Group " + r.Name + ", " + r.Status
	case r.Host < 0:
		head = "Fleet, " + r.Name
	case r.Condition != monitor.CondOK:
		head += ", " + r.Status
		if r.ForSeconds != nil {
			head += " for " + metrics.SpokenDuration(time.Duration(*r.ForSeconds*float64(time.Second)).Round(time.Second))
		}
		if r.Error != "" {
			head += " (" + r.Error + ")"
		}
	}
	var parts []string
	for ci, c := range r.Cells {
		if ci >= len(f.Columns) {
			break
		}
		col := f.Columns[ci]
		label := metrics.SpokenLabel(col.Title)
		if c.Value == nil {
			parts = append(parts, label+" no value")
			continue
		}
		s := label + " " + metrics.Spoken(*c.Value, col.unit)
		if col.rate && !strings.Contains(label, "per second") {
			s += " per second"
		}
		if c.Stale {
			s += ", old"
		}
		if c.Rank == 1 && of >= rankedFleet && ci < len(f.firsts) && f.firsts[ci] == 1 {
			end := "highest"
			if col.LowIsWorst {
				end = "lowest"
			}
			s += fmt.Sprintf(", %s of %d", end, of)
		}
		if c.Outlier {
			s += ", far from the fleet"
		}
		if c.Alert != "" {
			s += ", " + c.Alert
		}
		parts = append(parts, s)
	}
	return head + ": " + strings.Join(parts, "; ") + "."
}
