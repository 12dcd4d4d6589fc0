package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/traffic-grapher/traffic_grapher/metrics"
)

// MaxFileSize is the largest dashboard file Load and Parse accept. Real
// dashboards are a few KiB.
const MaxFileSize = 1 << 20

// Field names at each level of the schema (see Parse).
var (
	topFields     = []string{"pages", "builtin_pages", "hosts", "history", "timezone", "traffic_ctl", "fleet"}
	fleetFields   = []string{"title", "page", "panel", "metric", "worst"}
	hostFields    = []string{"name", "group", "source", "url", "socket", "ssh", "host", "traffic_ctl"}
	pageFields    = []string{"name", "optional", "panels"}
	panelFields   = []string{"title", "view", "top", "metrics"}
	metricFields  = []string{"name", "type", "key", "key2", "expr", "inputs", "color", "unit", "warn", "crit", "for"}
	historyFields = []string{"seconds"}
)

// levels names each mapping and its fields, for hints about a field put at
// the wrong level.
var levels = []struct {
	what   string
	fields []string
}{
	{"the top level", topFields},
	{"a page", pageFields},
	{"a panel", panelFields},
	{"a metric", metricFields},
	{"a host", hostFields},
	{"history", historyFields},
	{"a fleet column", fleetFields},
}

// Load reads a dashboard file and parses it with Parse. Files larger than
// MaxFileSize are refused. Errors are an ErrorList; one caused by reading
// the file wraps the I/O error (errors.Is(err, fs.ErrNotExist) works).
func Load(path string) (*Dashboard, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, ErrorList{ioError(path, err)}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, ErrorList{ioError(path, err)}
	}
	return Parse(path, data)
}

func ioError(path string, err error) *Error {
	msg := err.Error()
	var pe *fs.PathError
	if errors.As(err, &pe) {
		msg = pe.Err.Error()
	}
	return &Error{File: path, Msg: "cannot read the dashboard: " + msg, err: err}
}

// Parse decodes and validates a dashboard in the original traffic_grapher
// YAML schema; filename is used only in messages. The schema (every field
// not marked "ours" is the original's):
//
//	pages:                        # required, 1..MaxPages entries
//	  - name: "Traffic & Cache"   # required
//	    optional: true            # ours, optional: left out (paging, --once) while no host has any of its records
//	    panels:                   # required, 1..4 entries (a 2x2 grid)
//	      - title: "Requests/sec" # required
//	        view: table           # ours, optional: chart (the default) or table (a row per metric, up to 24)
//	        top: 5                # ours, optional: a chart draws this many of a wildcard key's series (1..8, default 5), the rest as "other"
//	        metrics:              # required, 1..MaxMetrics entries
//	          - name: "Client"    # required, legend label
//	            type: counter     # required: counter, gauge, latency, hit_rate, quantile, used_percent or expr (any case)
//	            key: proxy.process.http.incoming_requests   # required record name; one * (plugin.remap_stats.*.status_5xx) makes a series per match
//	            key2: ...         # latency (count record) and hit_rate (misses record) only, and required there
//	            color: "#FFFF00"  # optional (required by the original): "#rgb", "#rrggbb", ANSI 0-255 or a name
//	            unit: ms          # ours, optional, latency only: ms or s (unit of key's values)
//	          - name: "5xx"       # ours: type: expr, a formula over records (package metrics/expr)
//	            type: expr
//	            expr: "rate(e) / rate(r) * 100"
//	            inputs: {e: proxy.process.http.5xx_responses, r: proxy.process.http.incoming_requests}
//	            unit: "%"         # expr: the unit of its values: %, ms, s, bytes or bits/s
//	builtin_pages: node           # ours, optional: a built-in dashboard instead of pages:
//	fleet:                        # ours, optional: the fleet table's columns (more than 4 hosts, or F), up to 8
//	  - title: "req/s"            # required, the column's heading
//	    panel: "Requests/sec"     # required: a panel's title, and
//	    metric: "Client"          # one of its metrics (not a wildcard one)
//	    page: "Traffic & Cache"   # optional: which page, when two have a panel of that title
//	    worst: high               # optional: high (the default) or low (a hit rate): which end sorts first
//	hosts:                        # ours, optional: used when no host is given on the command line
//	  - name: edge1               # required, shown in the header and legends
//	    source: jsonrpc           # optional: jsonrpc (default), traffic_ctl, stats, prom, promql
//	    ssh: ops@edge1:22         # jsonrpc and traffic_ctl: reach the host over SSH
//	    socket: /run/ts/jsonrpc20.sock   # jsonrpc: the socket (else discovered)
//	    url: http://edge1:8080/_stats    # stats, prom, promql: the HTTP address
//	    host: edge1:9100          # promql: what $host stands for in the queries
//	    traffic_ctl: /opt/ts/bin/traffic_ctl   # jsonrpc, traffic_ctl: the binary to run (else searched)
//	traffic_ctl: /opt/ts/bin/traffic_ctl       # ours, optional: the same, for every host
//	history:
//	  seconds: 120                # optional, 10..604800
//	timezone: America/Los_Angeles # optional IANA zone
//
// Unlike the original, which ignored keys it did not know at the top level,
// an unknown key anywhere (such as a top-level "interval" or a misspelt
// "colour") is an error naming it, so that typos do not pass silently.
// Anchors, aliases and merge keys ("<<: *defaults") work as in any YAML; a
// mapping used only as an anchor must therefore sit under a known key.
//
// Metric types and units are lowercased, colours are normalised with
// ParseColor to "#rrggbb" (or left empty), and Metric.Line is set. On any
// problem Parse returns nil and an ErrorList with every problem found
// (YAML syntax errors stop at the first), each reading
// "FILE:LINE: FIELD: MSG".
func Parse(filename string, data []byte) (*Dashboard, error) {
	p := &parser{r: reporter{file: filename, lines: map[string]int{}}, budget: maxFieldVisits}
	d := &Dashboard{}
	if len(data) > MaxFileSize {
		p.r.note(0, "", "file is larger than 1 MiB, the limit for a dashboard (which takes a few KiB)")
		return nil, p.r.result()
	}
	p.lines = strings.Split(string(data), "\n")
	root, ok := p.decode(data)
	switch {
	case !ok:
		return nil, p.r.result()
	case root == nil:
		p.r.note(0, "", "no pages defined (the file is empty or only comments)")
		return nil, p.r.result()
	}
	p.top(root, d)
	d.check(&p.r)
	if err := p.r.result(); err != nil {
		return nil, err
	}
	return d, nil
}

type parser struct {
	r reporter
	// budget is how many more mapping fields the parser will look at. Aliases
	// and merge keys can make a small file name the same mapping many times;
	// this bounds the work.
	budget       int
	overBudgetAt int      // line where the budget ran out; 0 if it has not
	lines        []string // the file's lines, for positions inside block scalars
}

// maxFieldVisits is the initial parser budget, far above any real dashboard
// (the built-in one has about 200 fields).
const maxFieldVisits = 100000

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// decode parses data as one YAML document and returns its root, nil when
// there is none, and false after a syntax error.
func (p *parser) decode(data []byte) (*yaml.Node, bool) {
	docs, err := decodeDocs(data)
	if err != nil {
		p.syntaxError(data, err)
		return nil, false
	}
	if len(docs) == 0 {
		return nil, true
	}
	if len(docs) > 1 {
		p.r.note(docs[1].Line, "", "a second YAML document starts here; a dashboard is a single document (remove the ---)")
		p.r.markSkip("")
		return nil, false
	}
	doc := docs[0]
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, true
	}
	root := resolve(doc.Content[0])
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
		return nil, true
	}
	return root, true
}

// decodeDocs decodes up to two documents (two are enough to know there is
// more than one). yaml.v3 is not expected to panic, but a dashboard file
// is input from outside, so a panic becomes an error.
func decodeDocs(data []byte) (docs []*yaml.Node, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("yaml: internal error: %v", v)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for len(docs) < 2 {
		var n yaml.Node
		if err := dec.Decode(&n); err == io.EOF {
			break
		} else if err != nil {
			return nil, err
		}
		docs = append(docs, &n)
	}
	return docs, nil
}

// syntaxError reports a YAML syntax error. yaml.v3's line numbers point at
// the start of the enclosing construct (and are often one too low), so the
// line reported is instead the first at which the error appears: the file
// is parsed in ever longer prefixes of whole lines (by binary search).
// yaml.v3's line is used when that search finds nothing or the file is
// larger than maxSearchSize.
func (p *parser) syntaxError(data []byte, err error) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	var line int
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	if len(data) <= maxSearchSize {
		if l := findErrorLine(data, msg); l > 0 {
			line = l
		}
	}
	if strings.Contains(msg, "unexpected end of stream") {
		msg += " (is a quote or bracket opened here never closed?)"
	}
	if line > 0 {
		lines := bytes.SplitN(data, []byte("\n"), line+1)
		if line <= len(lines) && hashColorRE.Match(lines[line-1]) {
			msg += ` (an unquoted # starts a YAML comment: quote colours, e.g. color: "#FF0000")`
		}
	}
	p.r.note(line, "", "YAML syntax error: %s", msg)
	p.r.markSkip("")
}

// maxSearchSize is the largest file for which findErrorLine runs; it parses
// the file about log2(lines) times.
const maxSearchSize = 128 << 10

// findErrorLine returns the first line n such that the file's first n lines
// give the syntax error msg (without yaml.v3's "yaml: line N: "), or 0.
func findErrorLine(data []byte, msg string) int {
	var ends []int // ends[i] is the offset just past line i+1
	for i, c := range data {
		if c == '\n' {
			ends = append(ends, i+1)
		}
	}
	if len(ends) == 0 || ends[len(ends)-1] != len(data) {
		ends = append(ends, len(data))
	}
	fails := func(n int) bool {
		_, err := decodeDocs(data[:ends[n-1]])
		if err == nil {
			return false
		}
		s := err.Error()
		if m := yamlLineRE.FindStringSubmatch(s); m != nil {
			s = m[2]
		} else {
			s = strings.TrimPrefix(s, "yaml: ")
		}
		return s == msg
	}
	lo, hi := 1, len(ends)
	if !fails(hi) {
		return 0
	}
	for lo < hi {
		mid := (lo + hi) / 2
		if fails(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// hashColorRE finds an unquoted hex colour, which YAML reads as a comment.
var hashColorRE = regexp.MustCompile(`:\s+#[0-9A-Fa-f]{3,8}\b`)

// resolve follows aliases to the node they name.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 100; i++ {
		n = n.Alias
	}
	return n
}

// describe names a node's kind for messages: "a list", "a number", ...
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!int", "!!float":
			return "a number"
		case "!!bool":
			return "true/false"
		case "!!null":
			return "empty"
		}
		return "a string"
	}
	return "an unresolved alias"
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

var simpleName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,40}$`)

// fieldPath joins a mapping's path and a key. Keys that are not simple
// words (which can only be unknown ones) are left out of paths and quoted in
// messages instead.
func fieldPath(path, name string) string {
	if !simpleName.MatchString(name) {
		return path
	}
	if path == "" {
		return name
	}
	return path + "." + name
}

type entry struct {
	name     string
	key, val *yaml.Node // key as written; val with aliases resolved
}

// entries lists a mapping's fields, with those brought in by merge keys
// ("<<") after the explicit ones and only where not set explicitly. It
// reports duplicate and non-scalar keys, and records each field's line.
func (p *parser) entries(path string, n *yaml.Node) []entry {
	seen := map[string]int{}
	var out []entry
	p.collect(path, n, seen, map[*yaml.Node]bool{}, &out, 0)
	for _, e := range out {
		if fp := fieldPath(path, e.name); fp != path {
			p.r.lines[fp] = e.key.Line
		}
	}
	return out
}

func (p *parser) collect(path string, n *yaml.Node, seen map[string]int, visited map[*yaml.Node]bool, out *[]entry, depth int) {
	if visited[n] {
		return // merged twice: its fields are already in
	}
	visited[n] = true
	var merges []*yaml.Node
	local := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if p.r.full() {
			return // result says errors were dropped
		}
		if p.budget--; p.budget < 0 {
			if p.overBudgetAt == 0 {
				p.overBudgetAt = n.Content[i].Line
				p.r.addAt(p.overBudgetAt, "", "too many fields (counting those repeated through aliases and merge keys); a dashboard has a few hundred")
			}
			return
		}
		k, v := resolve(n.Content[i]), resolve(n.Content[i+1])
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			merges = append(merges, v)
			continue
		}
		if k.Kind != yaml.ScalarNode || isNull(k) {
			p.r.addAt(k.Line, path, "field names must be plain words, not %s", describe(k))
			continue
		}
		if first, dup := local[k.Value]; dup {
			p.r.addAt(k.Line, fieldPath(path, k.Value), "%q is set twice (first on line %d)", k.Value, first)
			continue
		}
		local[k.Value] = k.Line
		if _, done := seen[k.Value]; done {
			continue // set by an enclosing mapping, which wins over merged ones
		}
		seen[k.Value] = k.Line
		*out = append(*out, entry{name: k.Value, key: n.Content[i], val: v})
	}
	for _, m := range merges {
		if depth >= 8 {
			p.r.addAt(m.Line, path, "merge keys (<<) nested too deeply")
			return
		}
		switch m.Kind {
		case yaml.MappingNode:
			p.collect(path, m, seen, visited, out, depth+1)
		case yaml.SequenceNode:
			for _, item := range m.Content {
				if item = resolve(item); item.Kind == yaml.MappingNode {
					p.collect(path, item, seen, visited, out, depth+1)
				} else {
					p.r.addAt(item.Line, path, "a merge key (<<) takes mappings, not %s", describe(item))
				}
			}
		default:
			p.r.addAt(m.Line, path, "a merge key (<<) takes a mapping or a list of mappings, not %s", describe(m))
		}
	}
}

// unknown reports a field not in fields, with a hint when it is a near miss
// or belongs to another level.
func (p *parser) unknown(path string, e entry, what string, fields []string) {
	var hint string
	if s := suggest(e.name, fields); s != "" {
		hint = fmt.Sprintf("; did you mean %s?", s)
	} else {
		for _, l := range levels {
			if l.what == what {
				continue
			}
			for _, f := range l.fields {
				if f == e.name {
					hint = fmt.Sprintf("; %s is a field of %s, not of %s", f, l.what, what)
					break
				}
			}
			if hint != "" {
				break
			}
		}
	}
	name := e.name
	if len(name) > 40 {
		name = name[:40] + "..."
	}
	p.r.addAt(e.key.Line, fieldPath(path, e.name), "unknown field %q%s (%s has %s)", name, hint, what, andList(fields))
}

// str returns a scalar field's text; empty (null) gives "". Other kinds
// are reported.
func (p *parser) str(path string, e entry) string {
	switch {
	case isNull(e.val):
		return ""
	case e.val.Kind == yaml.ScalarNode:
		return e.val.Value
	}
	p.r.addAt(e.key.Line, path, "must be a string, not %s", describe(e.val))
	return ""
}

// list returns a sequence field's items; empty (null) gives none. Other
// kinds are reported.
func (p *parser) list(path string, e entry, of string) []*yaml.Node {
	switch {
	case isNull(e.val):
		return nil
	case e.val.Kind == yaml.SequenceNode:
		return e.val.Content
	}
	p.r.addAt(e.key.Line, path, "must be a list of %s, not %s", of, describe(e.val))
	return nil
}

// mapping resolves a list item and checks that it is a mapping.
func (p *parser) mapping(path string, item *yaml.Node, what string, fields []string) (*yaml.Node, bool) {
	p.r.lines[path] = item.Line
	n := resolve(item)
	if n.Kind != yaml.MappingNode {
		p.r.addAt(item.Line, path, "must be a mapping with %s, not %s", andList(fields), describe(n))
		return nil, false
	}
	return n, true
}

func (p *parser) top(n *yaml.Node, d *Dashboard) {
	p.r.lines[""] = n.Line
	if n.Kind != yaml.MappingNode {
		p.r.note(n.Line, "", "the file must be a mapping with pages: (and optionally history: and timezone:), not %s", describe(n))
		p.r.markSkip("")
		return
	}
	for _, e := range p.entries("", n) {
		fp := fieldPath("", e.name)
		switch e.name {
		case "pages":
			p.pages(fp, e, d)
		case "history":
			p.history(fp, e, d)
		case "timezone":
			d.Timezone = p.str(fp, e)
		case "traffic_ctl":
			d.TrafficCtl = p.str(fp, e)
		case "builtin_pages":
			d.BuiltinPages, d.BuiltinPagesLine = p.str(fp, e), e.key.Line
		case "hosts":
			p.hosts(fp, e, d)
		case "fleet":
			p.fleet(fp, e, d)
		default:
			p.unknown("", e, "the top level", topFields)
		}
	}
}

func (p *parser) hosts(path string, e entry, d *Dashboard) {
	items := p.list(path, e, "hosts")
	d.Hosts = make([]HostEntry, len(items))
	for i, item := range items {
		hp := fmt.Sprintf("%s[%d]", path, i)
		h := &d.Hosts[i]
		h.Line = item.Line
		n, ok := p.mapping(hp, item, "a host", hostFields)
		if !ok {
			continue
		}
		for _, f := range p.entries(hp, n) {
			fp := fieldPath(hp, f.name)
			switch f.name {
			case "name":
				h.Name = p.str(fp, f)
			case "group":
				h.Group = p.str(fp, f)
			case "source":
				h.Source = strings.ToLower(p.str(fp, f))
			case "url":
				h.URL = p.str(fp, f)
			case "socket":
				h.Socket = p.str(fp, f)
			case "ssh":
				h.SSH = p.str(fp, f)
			case "host":
				h.Host = p.str(fp, f)
			case "traffic_ctl":
				h.TrafficCtl = p.str(fp, f)
			default:
				p.unknown(hp, f, "a host", hostFields)
			}
		}
	}
}

func (p *parser) fleet(path string, e entry, d *Dashboard) {
	items := p.list(path, e, "fleet")
	d.Fleet = make([]FleetColumn, len(items))
	for i, item := range items {
		cp := fmt.Sprintf("%s[%d]", path, i)
		c := &d.Fleet[i]
		c.Line = item.Line
		n, ok := p.mapping(cp, item, "a fleet column", fleetFields)
		if !ok {
			continue
		}
		for _, f := range p.entries(cp, n) {
			fp := fieldPath(cp, f.name)
			switch f.name {
			case "title":
				c.Title = p.str(fp, f)
			case "page":
				c.Page = p.str(fp, f)
			case "panel":
				c.Panel = p.str(fp, f)
			case "metric":
				c.Metric = p.str(fp, f)
			case "worst":
				c.Worst = strings.ToLower(p.str(fp, f))
			default:
				p.unknown(cp, f, "a fleet column", fleetFields)
			}
		}
	}
}

func (p *parser) pages(path string, e entry, d *Dashboard) {
	items := p.list(path, e, "pages")
	if len(items) > MaxPages {
		p.r.note(e.key.Line, path, "%s", tooManyPages(len(items)))
		items = items[:MaxPages]
	}
	d.Pages = make([]Page, len(items))
	for i, item := range items {
		p.page(fmt.Sprintf("%s[%d]", path, i), i, item, &d.Pages[i])
	}
}

func (p *parser) page(path string, i int, item *yaml.Node, pg *Page) {
	n, ok := p.mapping(path, item, "a page", pageFields)
	if !ok {
		return
	}
	var panels []*yaml.Node
	var panelsKey *yaml.Node
	for _, e := range p.entries(path, n) {
		fp := fieldPath(path, e.name)
		switch e.name {
		case "name":
			pg.Name = p.str(fp, e)
		case "optional":
			pg.Optional = p.flag(fp, e)
		case "panels":
			panels, panelsKey = p.list(fp, e, "panels"), e.key
		default:
			p.unknown(path, e, "a page", pageFields)
		}
	}
	what := pageWhat(i, pg.Name)
	if len(panels) > MaxPanels {
		p.r.note(panelsKey.Line, path+".panels", "%s", tooManyPanels(what, len(panels)))
		panels = panels[:MaxPanels]
	}
	pg.Panels = make([]Panel, len(panels))
	for j, item := range panels {
		p.panel(fmt.Sprintf("%s.panels[%d]", path, j), j, what, item, &pg.Panels[j])
	}
}

func (p *parser) panel(path string, j int, page string, item *yaml.Node, pn *Panel) {
	n, ok := p.mapping(path, item, "a panel", panelFields)
	if !ok {
		return
	}
	var ms []*yaml.Node
	var metricsKey *yaml.Node
	for _, e := range p.entries(path, n) {
		fp := fieldPath(path, e.name)
		switch e.name {
		case "title":
			pn.Title = p.str(fp, e)
		case "view":
			pn.View = strings.ToLower(p.str(fp, e))
		case "top":
			pn.Top = p.top1(fp, e)
		case "metrics":
			ms, metricsKey = p.list(fp, e, "metrics"), e.key
		default:
			p.unknown(path, e, "a panel", panelFields)
		}
	}
	limit := MaxMetrics
	if pn.IsTable() {
		limit = MaxTableRows
	}
	if len(ms) > limit {
		p.r.note(metricsKey.Line, path+".metrics", "%s", tooManyMetrics(panelWhat(j, pn.Title, page), len(ms), limit, pn.IsTable()))
		ms = ms[:limit]
	}
	pn.Metrics = make([]Metric, len(ms))
	for k, item := range ms {
		p.metric(fmt.Sprintf("%s.metrics[%d]", path, k), item, &pn.Metrics[k])
	}
}

func (p *parser) metric(path string, item *yaml.Node, m *Metric) {
	m.Line = item.Line
	n, ok := p.mapping(path, item, "a metric", metricFields)
	if !ok {
		return
	}
	for _, e := range p.entries(path, n) {
		fp := fieldPath(path, e.name)
		switch e.name {
		case "name":
			m.Name = p.str(fp, e)
		case "type":
			m.Type = strings.ToLower(p.str(fp, e))
		case "key":
			m.Key = p.str(fp, e)
		case "key2":
			m.Key2 = p.str(fp, e)
		case "unit":
			m.Unit = strings.ToLower(p.str(fp, e))
		case "expr":
			m.Expr, m.ExprAt = p.str(fp, e), p.textStart(e.val)
		case "inputs":
			m.Inputs = p.inputs(fp, e)
		case "color":
			m.Color = p.color(fp, e)
		case "warn":
			m.Limits.Warn = p.threshold(fp, e)
		case "crit":
			m.Limits.Crit = p.threshold(fp, e)
		case "for":
			m.Limits.For = p.holdFor(fp, e)
		default:
			p.unknown(path, e, "a metric", metricFields)
		}
	}
}

// inputs reads an expression's inputs: a mapping of short names to
// record names.
func (p *parser) inputs(path string, e entry) map[string]string {
	if isNull(e.val) {
		return nil
	}
	if e.val.Kind != yaml.MappingNode {
		p.r.addAt(e.key.Line, path, "must be a mapping of names to records (inputs: {req: proxy.process.http.incoming_requests}), not %s", describe(e.val))
		return nil
	}
	out := map[string]string{}
	for _, f := range p.entries(path, e.val) {
		out[f.name] = p.str(fieldPath(path, f.name), f)
	}
	return out
}

// textStart is where a scalar's text begins in the file: after the quote
// of a quoted one, on the line after the indicator of a block scalar (| or
// >), at the first character of its indented content.
func (p *parser) textStart(n *yaml.Node) SourcePos {
	switch n.Style {
	case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
		return SourcePos{n.Line, n.Column + 1}
	case yaml.LiteralStyle, yaml.FoldedStyle:
		if n.Line < len(p.lines) {
			l := p.lines[n.Line] // the line after the indicator (lines are 1-based)
			return SourcePos{n.Line + 1, len(l) - len(strings.TrimLeft(l, " ")) + 1}
		}
	}
	return SourcePos{n.Line, n.Column}
}

// color returns the normalised colour, or the text as written when it is
// not a colour (the semantic check reports it).
func (p *parser) color(path string, e entry) string {
	if isNull(e.val) {
		// color: #FF0000 without quotes is a comment, leaving the value
		// empty; the original tool would have failed on it.
		for _, c := range []string{e.key.LineComment, e.val.LineComment} {
			if strings.HasPrefix(c, "#") {
				p.r.addAt(e.key.Line, path, "is empty: an unquoted # starts a YAML comment; quote the colour: color: \"%s\"", strings.Fields(c)[0])
				return ""
			}
		}
		return ""
	}
	s := p.str(path, e)
	if hex, err := ParseColor(s); err == nil {
		return hex
	}
	return s
}

func (p *parser) history(path string, e entry, d *Dashboard) {
	if isNull(e.val) {
		return
	}
	if e.val.Kind != yaml.MappingNode {
		p.r.addAt(e.key.Line, path, "must be a mapping with seconds, e.g. \"history: {seconds: 120}\" or \"seconds: 120\" indented on the next line, not %s", describe(e.val))
		return
	}
	for _, f := range p.entries(path, e.val) {
		fp := fieldPath(path, f.name)
		if f.name != "seconds" {
			p.unknown(path, f, "history", historyFields)
			continue
		}
		if isNull(f.val) {
			continue
		}
		var secs int64
		if f.val.Kind == yaml.ScalarNode && wholeNumber.MatchString(f.val.Value) && f.val.Decode(&secs) != nil {
			// A whole number too big for int64 is a number all the same.
			p.r.addAt(f.key.Line, fp, "%s is out of range (want %d to %d seconds, i.e. 10 s to 7 days)", shorten(f.val.Value, 24), MinHistorySec, MaxHistorySec)
			continue
		}
		if f.val.Kind != yaml.ScalarNode || f.val.ShortTag() != "!!int" || f.val.Decode(&secs) != nil {
			what := describe(f.val)
			if f.val.Kind == yaml.ScalarNode && len(f.val.Value) <= 20 {
				what = fmt.Sprintf("%q", f.val.Value)
			}
			p.r.addAt(f.key.Line, fp, "must be a whole number of seconds (%d to %d), not %s", MinHistorySec, MaxHistorySec, what)
			continue
		}
		if msg := checkHistory(secs); msg != "" {
			p.r.addAt(f.key.Line, fp, "%s", msg)
			continue
		}
		d.HistorySeconds = int(secs)
	}
}

// flag reads a true or false.
func (p *parser) flag(path string, e entry) bool {
	if isNull(e.val) {
		return false
	}
	var b bool
	if e.val.Kind != yaml.ScalarNode || e.val.ShortTag() != "!!bool" || e.val.Decode(&b) != nil {
		p.r.addAt(e.key.Line, path, "must be true or false, not %s", describe(e.val))
		return false
	}
	return b
}

// threshold reads a warn: or crit: limit: a number (crossed above it) or
// a string such as "> 2" or "< 80" (metrics.ParseThreshold).
func (p *parser) threshold(path string, e entry) *metrics.Threshold {
	if isNull(e.val) {
		return nil
	}
	if e.val.Kind != yaml.ScalarNode {
		p.r.addAt(e.key.Line, path, "must be a number or a string such as \"> 2\" or \"< 80\", not %s", describe(e.val))
		return nil
	}
	t, err := metrics.ParseThreshold(e.val.Value)
	if err != nil {
		p.r.addAt(e.key.Line, path, "%v", err)
		return nil
	}
	return &t
}

// MaxHoldFor is the longest for: a limit may ask a crossing to last.
const MaxHoldFor = metrics.AlertLookback

// holdFor reads a metric's for: a duration ("30s", "2m") or a number of
// seconds.
func (p *parser) holdFor(path string, e entry) time.Duration {
	if isNull(e.val) {
		return 0
	}
	bad := func() time.Duration {
		what := describe(e.val)
		if e.val.Kind == yaml.ScalarNode && len(e.val.Value) <= 20 {
			what = fmt.Sprintf("%q", e.val.Value)
		}
		p.r.addAt(e.key.Line, path, "must be how long a limit must stay crossed before it alerts, from 0s to %v (\"30s\", \"2m\", or a number of seconds), not %s", MaxHoldFor, what)
		return 0
	}
	if e.val.Kind != yaml.ScalarNode {
		return bad()
	}
	d, err := time.ParseDuration(e.val.Value)
	if err != nil {
		secs, ferr := strconv.ParseFloat(e.val.Value, 64)
		if ferr != nil || math.IsNaN(secs) || secs < 0 || secs > MaxHoldFor.Seconds() {
			return bad()
		}
		d = time.Duration(secs * float64(time.Second))
	}
	if d < 0 || d > MaxHoldFor {
		return bad()
	}
	return d
}

// top1 reads a panel's top: a whole number from 1 to MaxTop.
func (p *parser) top1(path string, e entry) int {
	if isNull(e.val) {
		return 0
	}
	var n int
	if e.val.Kind != yaml.ScalarNode || e.val.ShortTag() != "!!int" || e.val.Decode(&n) != nil || n < 1 || n > MaxTop {
		what := describe(e.val)
		if e.val.Kind == yaml.ScalarNode && len(e.val.Value) <= 20 {
			what = fmt.Sprintf("%q", e.val.Value)
		}
		p.r.addAt(e.key.Line, path, "must be a whole number from 1 to %d (how many series of a wildcard key a chart draws, the rest summed as \"other\"), not %s", MaxTop, what)
		return 0
	}
	return n
}

// wholeNumber is how a whole number looks, whatever its size (YAML calls
// one beyond int64 a float).
var wholeNumber = regexp.MustCompile(`^[-+]?[0-9]+$`)

// shorten cuts s to n characters with "…", for quoting a value in a message.
func shorten(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
