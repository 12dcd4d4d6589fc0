package config

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/traffic-grapher/traffic_grapher/metrics"
	"github.com/traffic-grapher/traffic_grapher/metrics/expr"

	// Time zones must load on machines without a zoneinfo database.
	_ "time/tzdata"
)

// Limits of a dashboard.
const (
	MaxPages      = 32   // pages in a dashboard
	MaxPanels     = 4    // panels on a page: a 2x2 grid
	MaxMetrics    = 8    // metrics on a chart panel
	MaxTableRows  = 24   // metrics on a table panel
	MaxTop        = 8    // a family's members a chart draws one by one
	MaxLabelLen   = 80   // characters in a page name, panel title or metric name
	MaxRecordLen  = 1024 // bytes in a key or key2: a record name, or a PromQL expression
	MinHistorySec = 10
	MaxHistorySec = 7 * 24 * 3600 // 604800
)

// Validate checks a dashboard built in code the way Parse checks a file
// (Parse has already run these checks on what it returns). Type and Unit
// must be in their canonical lowercase form here. The error is an ErrorList
// whose entries read "FIELD: MSG".
func (d *Dashboard) Validate() error {
	r := &reporter{}
	d.check(r)
	return r.result()
}

// checkFleet checks the fleet: columns against the pages of the same file.
func (d *Dashboard) checkFleet(r *reporter) {
	if len(d.Fleet) == 0 {
		return
	}
	if len(d.Pages) == 0 {
		r.add("fleet", "fleet: names metrics of pages: in the same file (the built-in pages have their own fleet columns)")
		return
	}
	if len(d.Fleet) > MaxFleetColumns {
		r.add("fleet", "%d columns; at most %d fit beside the host names", len(d.Fleet), MaxFleetColumns)
	}
	for i, c := range d.Fleet {
		cp := fmt.Sprintf("fleet[%d]", i)
		checkLabel(r, cp+".title", c.Title, "every fleet column needs a title, its heading")
		switch {
		case c.Panel == "":
			r.add(cp+".panel", "missing (the title of the panel the column's metric is in)")
		case c.Metric == "":
			r.add(cp+".metric", "missing (the name of the column's metric in panel %q)", c.Panel)
		default:
			if _, why := d.findFleetMetric(c); why != "" {
				r.add(cp, "%s", why)
			}
		}
		if c.Worst != "" && c.Worst != "high" && c.Worst != "low" {
			r.add(cp+".worst", "%q: want high or low (which end of the column sorts first)", c.Worst)
		}
	}
}

// check runs the semantic checks, reporting through r.
func (d *Dashboard) check(r *reporter) {
	switch n := len(d.Pages); {
	case n == 0 && (d.BuiltinPages != "" || len(d.Hosts) > 0):
		// The built-in pages (named, or the hosts' default) are used.
	case n == 0:
		r.add("pages", "no pages defined (or name built-in ones with builtin_pages:)")
	case n > MaxPages:
		r.add("pages", "%s", tooManyPages(n))
	}
	if d.HistorySeconds != 0 {
		if msg := checkHistory(int64(d.HistorySeconds)); msg != "" {
			r.add("history.seconds", "%s", msg)
		}
	}
	if d.BuiltinPages != "" && len(d.Pages) > 0 {
		r.add("builtin_pages", "give either pages: or builtin_pages:, not both")
	}
	if len(d.Hosts) > MaxFleet {
		r.add("hosts", "%d hosts; at most %d", len(d.Hosts), MaxFleet)
	}
	d.checkFleet(r)
	for i, h := range d.Hosts {
		hp := fmt.Sprintf("hosts[%d]", i)
		checkLabel(r, hp+".name", h.Name, "every host needs a name, shown in the header and legends")
		if h.Group != "" {
			checkLabel(r, hp+".group", h.Group, "")
		}
		// Which source takes which fields is the source registry's to
		// say (collect.Kind); the hosts are checked against it when they
		// are opened, with this file's lines.
	}
	if d.Timezone != "" {
		if msg := checkTimezone(d.Timezone); msg != "" {
			r.add("timezone", "%s", msg)
		}
	}
	for i, p := range d.Pages {
		if i >= MaxPages {
			break
		}
		pp := fmt.Sprintf("pages[%d]", i)
		checkLabel(r, pp+".name", p.Name, "every page needs a name, shown in the page tabs")
		what := pageWhat(i, p.Name)
		switch n := len(p.Panels); {
		case n == 0:
			r.add(pp+".panels", "%s has no panels", what)
		case n > MaxPanels:
			r.add(pp+".panels", "%s", tooManyPanels(what, n))
		}
		for j, pn := range p.Panels {
			if j >= MaxPanels {
				break
			}
			pnp := fmt.Sprintf("%s.panels[%d]", pp, j)
			checkLabel(r, pnp+".title", pn.Title, "every panel needs a title")
			what := panelWhat(j, pn.Title, what)
			limit := MaxMetrics
			switch pn.View {
			case "", ViewChart:
			case ViewTable:
				limit = MaxTableRows
			default:
				r.add(pnp+".view", "unknown view %q (want chart or table)", pn.View)
			}
			switch n := len(pn.Metrics); {
			case n == 0:
				r.add(pnp+".metrics", "%s has no metrics", what)
			case n > limit:
				r.add(pnp+".metrics", "%s", tooManyMetrics(what, n, limit, pn.IsTable()))
			}
			for k, m := range pn.Metrics {
				if k >= limit {
					break
				}
				m.check(r, fmt.Sprintf("%s.metrics[%d]", pnp, k))
			}
		}
	}
}

func (m *Metric) check(r *reporter, mp string) {
	kind, known := m.checkType(r, mp)
	switch {
	case known && kind.Expression:
		m.checkExpr(r, mp)
	default:
		if m.Expr != "" || m.Inputs != nil {
			field := map[bool]string{true: ".expr", false: ".inputs"}[m.Expr != ""]
			r.add(mp+field, "expr: and inputs: are for metrics of type: expr; this one is a %s, read from key:", m.Type)
		}
		m.checkKeys(r, mp, kind, known)
	}
	if m.Color != "" {
		if _, err := ParseColor(m.Color); err != nil {
			r.add(mp+".color", "%v", err)
		}
	}
	m.checkLimits(r, mp)
}

// checkLimits checks warn:, crit: and for:.
func (m *Metric) checkLimits(r *reporter, mp string) {
	l := m.Limits
	for _, f := range []struct {
		name string
		t    *metrics.Threshold
	}{{"warn", l.Warn}, {"crit", l.Crit}} {
		if f.t != nil && (math.IsNaN(f.t.Value) || math.IsInf(f.t.Value, 0)) {
			r.add(mp+"."+f.name, "%v is not a limit: want a finite number", f.t.Value)
		}
	}
	if msg := l.Check(); msg != "" {
		r.add(mp+".crit", "%s", msg)
	}
	switch {
	case l.For != 0 && !l.Set():
		r.add(mp+".for", "for: says how long warn: or crit: must stay crossed; this metric has neither")
	case l.For < 0 || l.For > MaxHoldFor:
		r.add(mp+".for", "%v is out of range (want 0s to %v)", l.For, MaxHoldFor)
	}
}

// checkType checks the name and the type, giving the type's registry
// entry when it is known.
func (m *Metric) checkType(r *reporter, mp string) (metrics.TypeInfo, bool) {
	checkLabel(r, mp+".name", m.Name, "every metric needs a name, shown in the legend")

	kinds := metrics.TypeNames()
	kind, known := metrics.LookupType(metrics.Type(m.Type))
	switch {
	case m.Type == "":
		r.add(mp+".type", "missing (want %s)", orList(kinds))
	case !known:
		if lower := strings.ToLower(m.Type); lower != m.Type {
			if _, ok := metrics.LookupType(metrics.Type(lower)); ok {
				r.add(mp+".type", "metric type %q must be lowercase here (want %s)", m.Type, lower)
				break
			}
		}
		hint := ""
		if s := suggest(m.Type, kinds); s != "" {
			hint = fmt.Sprintf("did you mean %s? ", s)
		}
		r.add(mp+".type", "unknown metric type %q (%swant %s)", m.Type, hint, orList(kinds))
	}
	return kind, known
}

// checkExpr checks an expression metric: its formula parses, its inputs
// are records, and its unit is one of metrics.UnitNames.
func (m *Metric) checkExpr(r *reporter, mp string) {
	for _, f := range []struct{ name, v string }{{"key", m.Key}, {"key2", m.Key2}} {
		if f.v != "" {
			r.add(mp+"."+f.name, "an expr metric reads its records through expr: and inputs:, not %s:; remove it", f.name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(m.Inputs)) {
		if msg := checkRecord(m.Inputs[name]); msg != "" {
			r.add(mp+".inputs."+name, "%s", msg)
		}
	}
	if m.Unit != "" {
		if _, ok := metrics.ParseUnit(m.Unit); !ok {
			r.add(mp+".unit", "unknown unit %q for an expression (want %s, or leave it out for a plain number)", m.Unit, orList(metrics.UnitNames()[1:]))
		}
	}
	if strings.TrimSpace(m.Expr) == "" {
		r.add(mp+".expr", "missing (the formula, e.g. \"rate(errors) / rate(requests) * 100\" with inputs: {errors: ..., requests: ...})")
		return
	}
	_, err := expr.Parse(m.Expr, m.Inputs)
	var pe *expr.Error
	if !errors.As(err, &pe) {
		return
	}
	pos := m.ExprAt
	if pos.Line > 0 {
		before := m.Expr[:min(pe.Offset, len(m.Expr))]
		if n := strings.Count(before, "\n"); n > 0 && pos.Column > 0 {
			pos.Line += n // a block scalar: its lines start at one indentation
			before = before[strings.LastIndexByte(before, '\n')+1:]
		}
		pos.Column += utf8.RuneCountInString(before)
	}
	r.addIn(mp+".expr", pos, pe.Caret(m.Expr, "    "), "%s", pe.Msg)
}

// checkKeys checks the records and unit of a metric read from key: and key2:.
func (m *Metric) checkKeys(r *reporter, mp string, kind metrics.TypeInfo, known bool) {
	if m.Key == "" {
		r.add(mp+".key", "missing (the record to read, e.g. proxy.process.http.incoming_requests)")
	} else if msg := checkRecord(m.Key); msg != "" {
		r.add(mp+".key", "%s", msg)
	}

	if m.Key2 != "" {
		if msg := checkRecord(m.Key2); msg != "" {
			r.add(mp+".key2", "%s", msg)
		}
	}
	if known {
		switch {
		case kind.NeedsKey2() && m.Key2 == "":
			r.add(mp+".key2", "%s needs key2 (%s)", kind.Name, kind.Key2)
		case !kind.NeedsKey2() && m.Key2 != "":
			r.add(mp+".key2", "a %s metric does not use key2 (only %s do); remove it", kind.Name, andList(key2Kinds()))
		case kind.NeedsKey2() && m.Key2 == m.Key:
			r.add(mp+".key2", "key2 is the same record as key (%s needs %s)", kind.Name, kind.Key2)
		case kind.Name == metrics.TypeQuantile:
			if q, err := strconv.ParseFloat(m.Key2, 64); err != nil || !(q > 0 && q < 1) {
				r.add(mp+".key2", "%q is not a quantile: want a number between 0 and 1, e.g. \"0.99\" for p99", m.Key2)
			}
		}
	}

	if m.Unit != "" {
		switch {
		case known && !kind.TakesUnit:
			r.add(mp+".unit", "unit applies only to latency metrics (this one is a %s); remove it", kind.Name)
		case m.Unit != "ms" && m.Unit != "s":
			r.add(mp+".unit", "unknown unit %q (want ms or s: the unit of the total-time record, ms on ATS 10, s on ATS 9.x; leave it out to decide from the value's type)", m.Unit)
		}
	}

}

// key2Kinds lists the metric types that take key2.
func key2Kinds() []string {
	var names []string
	for _, n := range metrics.TypeNames() {
		if k, _ := metrics.LookupType(metrics.Type(n)); k.NeedsKey2() {
			names = append(names, n)
		}
	}
	return names
}

// checkLabel reports a missing or unprintable page name, panel title or
// metric name.
func checkLabel(r *reporter, path, s, why string) {
	switch {
	case strings.TrimSpace(s) == "":
		r.add(path, "missing (%s)", why)
	case !utf8.ValidString(s):
		r.add(path, "not valid UTF-8")
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		r.add(path, "%q contains control characters (tabs, newlines or escapes)", s)
	case utf8.RuneCountInString(s) > MaxLabelLen:
		r.add(path, "too long (%d characters; at most %d)", utf8.RuneCountInString(s), MaxLabelLen)
	}
}

// checkRecord returns what is wrong with a record name, or "".
func checkRecord(s string) string {
	if len(s) > MaxRecordLen {
		return fmt.Sprintf("record name too long (%d characters; at most %d)", len(s), MaxRecordLen)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f':
			// Spaces are allowed: PromQL expressions have them.
			return fmt.Sprintf("record name %q contains a tab or line break", s)
		case c < 0x21 || c > 0x7e:
			return fmt.Sprintf("record name %q must be printable ASCII (bad byte 0x%02x at offset %d)", s, c, i)
		}
	}
	if metrics.IsPattern(s) {
		if _, err := metrics.ParsePattern(s); err != nil {
			return err.Error()
		}
	}
	return ""
}

// checkHistory returns what is wrong with a history length, or "".
func checkHistory(n int64) string {
	if n < MinHistorySec || n > MaxHistorySec {
		return fmt.Sprintf("%d is out of range (want %d to %d seconds, i.e. 10 s to 7 days)", n, MinHistorySec, MaxHistorySec)
	}
	return ""
}

// checkTimezone returns what is wrong with a time zone name, or "".
func checkTimezone(tz string) string {
	if len(tz) > 64 || strings.ContainsAny(tz, "\x00\\") {
		return fmt.Sprintf("unknown time zone %q", tz)
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return fmt.Sprintf("unknown time zone %q (want an IANA name such as America/Los_Angeles, Europe/Berlin or UTC)", tz)
	}
	return ""
}

// The messages about list lengths, shared with the parser, which reports
// them itself so as not to build overlong lists.

func pageWhat(i int, name string) string {
	if strings.TrimSpace(name) == "" {
		return fmt.Sprintf("page %d", i+1)
	}
	return fmt.Sprintf("page %q", name)
}

func panelWhat(j int, title, page string) string {
	if strings.TrimSpace(title) == "" {
		return fmt.Sprintf("panel %d of %s", j+1, page)
	}
	return fmt.Sprintf("panel %q", title)
}

func tooManyPages(n int) string {
	return fmt.Sprintf("%d pages; a dashboard has at most %d", n, MaxPages)
}

func tooManyPanels(page string, n int) string {
	return fmt.Sprintf("%s has %d panels; a page shows at most %d (2x2)", page, n, MaxPanels)
}

func tooManyMetrics(panel string, n, limit int, table bool) string {
	if table {
		return fmt.Sprintf("%s has %d metrics; a table shows at most %d", panel, n, limit)
	}
	return fmt.Sprintf("%s has %d metrics; a chart shows at most %d (a panel with view: table shows up to %d)", panel, n, limit, MaxTableRows)
}
