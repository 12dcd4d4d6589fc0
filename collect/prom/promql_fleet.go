package prom

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/traffic-grapher/traffic_grapher/collect"
	"github.com/traffic-grapher/traffic_grapher/metrics"
)

// A PromQLFleet is every host one Prometheus server answers for, asked
// together: each dashboard key is one query for the whole fleet, and its
// answer is split by the host label (instance, unless the hosts are
// named by another), so a tick costs the same number of queries for 100
// hosts as for one; only the answers grow.
//
// Keys are read as follows:
//
//   - a number is itself;
//   - an ATS record name (proxy.process.http.incoming_requests) is the
//     series stats_over_http's /_stats/prometheus gives it
//     (proxy_process_http_incoming_requests); all record keys together are
//     ONE query, sum by (__name__, instance) ({__name__=~"…", $hosts});
//   - any other PromQL expression is one query; a series of its answer
//     with the host label is that host's, and an answer without the label
//     (sum(rate(x[1m]))) is every host's. In the expression, $hosts stands
//     for the label matchers that select the fleet (instance=~"a|b", or the
//     discovery selector's own, job="ats") and $label for the host label,
//     so sum by ($label) (rate(x{$hosts}[1m])) is one line per host;
//   - a key with $host (x{instance="$host"}), or with a label wildcard
//     (x{device="*"}), is one query per host, $host being the host's label
//     value: written for one host, it still works, at a query per host.
//
// A query the server rejects, and a key without data, are warnings of the
// hosts it concerns; a host for which no query had data fails (it is not
// scraped, or its scrapes fail), while the others are shown; only when
// every query fails does the whole fleet fail, with the first error.
type PromQLFleet struct {
	// URL is the server's base URL (see PromQLSource.URL).
	URL string
	// Label is the label naming hosts; "" means "instance".
	Label string
	// Hosts are the members' label values, in member order; "" is a
	// member with no host (it gets the sum of every answer).
	Hosts []string
	// Select is the label matchers selecting the fleet, without braces
	// (job="ats"), when it was discovered; "" means the Hosts themselves.
	Select string
	// Concurrency, MaxReplyBytes and Now are as in PromQLSource.
	Concurrency   int
	MaxReplyBytes int64
	Now           func() time.Time

	client *http.Client
}

// DefaultHostLabel is the label that names a host in Prometheus: the
// target's address, unless relabelling set another.
const DefaultHostLabel = "instance"

// NewPromQLFleet returns the fleet of hosts (label values) that the server
// at baseURL answers for.
func NewPromQLFleet(baseURL, label string, hosts []string) *PromQLFleet {
	return &PromQLFleet{
		URL:    strings.TrimSuffix(baseURL, "/"),
		Label:  label,
		Hosts:  hosts,
		client: newPromHTTPClient(DefaultPromQLConcurrency),
	}
}

// String describes the fleet: "promql http://prom:9090 (60 hosts)".
func (f *PromQLFleet) String() string {
	return fmt.Sprintf("promql %s (%d hosts)", displayURL(f.URL), len(f.Hosts))
}

func (f *PromQLFleet) label() string {
	if f.Label == "" {
		return DefaultHostLabel
	}
	return f.Label
}

// hostMatchers is what $hosts stands for.
func (f *PromQLFleet) hostMatchers() string {
	if f.Select != "" {
		return f.Select
	}
	var named []string
	for _, h := range f.Hosts {
		if h != "" {
			named = append(named, h)
		}
	}
	switch len(named) {
	case 0:
		return f.label() + `=~".*"`
	case 1:
		return f.label() + "=" + strconv.Quote(named[0])
	}
	quoted := make([]string, len(named))
	for i, h := range named {
		quoted[i] = regexp.QuoteMeta(h)
	}
	return f.label() + "=~" + strconv.Quote(strings.Join(quoted, "|"))
}

// usesHost says a key names one host ($host, not $hosts): it is asked
// once per host.
func usesHost(key string) bool {
	return strings.Contains(strings.ReplaceAll(key, "$hosts", ""), "$host")
}

// expand puts the fleet's matchers and label in place of $hosts and
// $label.
func (f *PromQLFleet) expand(q string) string {
	if !strings.Contains(q, "$") {
		return q
	}
	return strings.NewReplacer("$hosts", f.hostMatchers(), "$label", f.label()).Replace(q)
}

// A fleetJob is one query and what its answer is for.
type fleetJob struct {
	key     string   // the dashboard key (one member's job, or one shared)
	records []string // the record-name keys of the one records query
	member  int      // for a member's own query; -1 for a shared one
	query   string
}

// fleetOutcome is what one job gave.
type fleetOutcome struct {
	own queryOutcome // a member's own job
	// A shared job's answer: the sum per host label value ("" for series
	// without the label), per record name for the records job.
	byHost   map[string]float64
	records  map[string]map[string]*float64 // host → series name → value
	labelled bool                           // some series had the host label
	total    float64                        // the whole answer's sum (a scalar's value)
	series   int
	warnings []string
	err      error
}

// jobs plans the queries for keys.
func (f *PromQLFleet) jobs(keys []string) (jobs []fleetJob, constants map[string]float64) {
	constants = map[string]float64{}
	var records []string
	for _, k := range keys {
		if v, ok := constantKey(k); ok {
			constants[k] = v
			continue
		}
		if isRecordName(k) {
			records = append(records, k)
			continue
		}
		_, err := metrics.ParsePattern(k)
		wildcard := err == nil
		if wildcard || usesHost(k) {
			for m := range f.Hosts {
				jobs = append(jobs, fleetJob{key: k, member: m})
			}
			continue
		}
		jobs = append(jobs, fleetJob{key: k, member: -1, query: f.expand(k)})
	}
	if len(records) > 0 {
		jobs = append(jobs, fleetJob{records: records, member: -1, query: f.recordsQuery(records)})
	}
	return jobs, constants
}

// recordsQuery asks for every record's series at once, one per record and
// host.
func (f *PromQLFleet) recordsQuery(records []string) string {
	names := make([]string, 0, len(records))
	for _, r := range records {
		names = append(names, sanitizeName(r))
	}
	slices.Sort(names)
	names = slices.Compact(names)
	by := "__name__"
	if f.named() {
		by += ", " + f.label()
	}
	sel := `__name__=~"` + strings.Join(names, "|") + `"`
	if f.named() {
		sel += ", " + f.hostMatchers()
	}
	return "sum by (" + by + ") ({" + sel + "})"
}

// named says some member has a host label value.
func (f *PromQLFleet) named() bool {
	return slices.ContainsFunc(f.Hosts, func(h string) bool { return h != "" })
}

// FetchBatch implements collect.Batch. Members asked the same keys are
// asked together (fetchAll): the usual fleet, its few hosts on the pages
// asked every key and the rest the table's columns, is two sets of
// queries a round, whatever its size. The sets run at once; the batch
// fails only when each does.
func (f *PromQLFleet) FetchBatch(ctx context.Context, keys [][]string) ([]collect.Reply, error) {
	sets := sameKeys(keys)
	if len(sets) == 1 && len(sets[0]) == len(f.Hosts) {
		return f.fetchAll(ctx, keys[sets[0][0]])
	}
	replies := make([]collect.Reply, len(f.Hosts))
	errs := make([]error, len(sets))
	var wg sync.WaitGroup
	for i, members := range sets {
		wg.Go(func() {
			part := f.subset(members)
			got, err := part.fetchAll(ctx, keys[members[0]])
			for j, m := range members {
				if err != nil {
					replies[m] = collect.Reply{Err: err}
					continue
				}
				replies[m] = got[j]
			}
			errs[i] = err
		})
	}
	wg.Wait()
	if len(errs) > 0 && !slices.ContainsFunc(errs, func(err error) bool { return err == nil }) {
		return nil, errs[0]
	}
	return replies, nil
}

// sameKeys groups the members by the keys they are asked (nil: not
// asked): one list of members per list of keys, in the order of their
// first members.
func sameKeys(keys [][]string) [][]int {
	var sets [][]int
	var lists [][]string
	for m, k := range keys {
		if k == nil {
			continue
		}
		i := slices.IndexFunc(lists, func(l []string) bool { return slices.Equal(l, k) })
		if i < 0 {
			i = len(sets)
			lists = append(lists, k)
			sets = append(sets, nil)
		}
		sets[i] = append(sets[i], m)
	}
	return sets
}

// subset is the fleet of some members only, named one by one: the
// discovery's selector, if any, selects them all.
func (f *PromQLFleet) subset(members []int) *PromQLFleet {
	part := *f
	part.Select = ""
	part.Hosts = make([]string, len(members))
	for j, m := range members {
		part.Hosts[j] = f.Hosts[m]
	}
	return &part
}

// fetchAll asks keys of every member: every job at once (at most
// Concurrency in flight), all at the same evaluation time.
func (f *PromQLFleet) fetchAll(ctx context.Context, keys []string) ([]collect.Reply, error) {
	keys, unasked := withoutRecordPatterns(collect.Dedupe(keys))
	replies := make([]collect.Reply, len(f.Hosts))
	for m := range replies {
		replies[m] = collect.Reply{Values: map[string]metrics.Sample{}, Warnings: slices.Clone(unasked)}
	}
	if len(keys) == 0 {
		return replies, nil
	}
	ctx, cancel := collect.WithDefaultDeadline(ctx, collect.DefaultTimeout)
	defer cancel()
	now := time.Now
	if f.Now != nil {
		now = f.Now
	}
	at := now()
	jobs, constants := f.jobs(keys)
	outcomes := make([]fleetOutcome, len(jobs))
	slots := make(chan struct{}, f.concurrency())
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Go(func() {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				outcomes[i].err = collect.NewError(collect.ErrTimeout, ctx.Err(), "%s: query %s not sent before the deadline", displayURL(f.URL), collect.Sanitize(j.key+strings.Join(j.records, ","), 80))
				return
			}
			defer func() { <-slots }()
			outcomes[i] = f.run(ctx, j, at)
		})
	}
	wg.Wait()
	return f.assemble(jobs, outcomes, constants, replies)
}

func (f *PromQLFleet) concurrency() int {
	if f.Concurrency <= 0 {
		return DefaultPromQLConcurrency
	}
	return f.Concurrency
}

// assemble deals the outcomes out to the members.
func (f *PromQLFleet) assemble(jobs []fleetJob, outcomes []fleetOutcome, constants map[string]float64, replies []collect.Reply) ([]collect.Reply, error) {
	// own[m]: a query had data of the member's own; valued[m]: any
	// value, with those every host shares, which say nothing of whether
	// this one is scraped.
	own := make([]bool, len(f.Hosts))
	valued := make([]bool, len(f.Hosts))
	var firstErr error
	put := func(m int, key string, v float64, float bool) {
		replies[m].Values[key] = metrics.Sample{Value: v, Float: float}
		own[m], valued[m] = true, true
	}
	warnAll := func(w ...string) {
		for m := range replies {
			replies[m].Warnings = append(replies[m].Warnings, w...)
		}
	}
	for i, j := range jobs {
		o := outcomes[i]
		if o.err != nil && firstErr == nil {
			firstErr = o.err
		}
		switch {
		case j.member >= 0:
			m := j.member
			for c, v := range o.own.members {
				put(m, metrics.Bind(j.key, c), v, true)
			}
			if o.own.ok && o.own.members == nil {
				put(m, j.key, o.own.value, true)
			}
			replies[m].Warnings = append(replies[m].Warnings, o.own.warnings...)
			if o.own.err != nil && firstErr == nil {
				firstErr = o.own.err
			}
		case o.err != nil:
			// Said below, once the fleet is known not to have failed.
		case j.records != nil:
			f.dealRecords(j.records, o, put, replies)
		default:
			warnAll(o.warnings...)
			if o.series == 0 {
				warnAll(fmt.Sprintf("%s: no data", collect.Sanitize(j.key, 120)))
				continue
			}
			for m, h := range f.Hosts {
				switch v, ok := o.byHost[h]; {
				case h == "" || !o.labelled:
					replies[m].Values[j.key] = metrics.Sample{Value: o.total, Float: true}
					valued[m] = true
				case ok:
					put(m, j.key, v, true)
				default:
					replies[m].Warnings = append(replies[m].Warnings, fmt.Sprintf("%s: no data for %s=%q", collect.Sanitize(j.key, 120), f.label(), h))
				}
			}
		}
	}
	if !slices.Contains(valued, true) && firstErr != nil {
		return nil, firstErr
	}
	for i, o := range outcomes {
		if o.err != nil && jobs[i].member < 0 {
			warnAll(o.err.Error())
		}
		if o.own.err != nil {
			replies[jobs[i].member].Warnings = append(replies[jobs[i].member].Warnings, o.own.err.Error())
		}
	}
	for m, h := range f.Hosts {
		for k, v := range constants {
			replies[m].Values[k] = metrics.Sample{Value: v, Float: true}
		}
		// Not scraped: others have data of their own and it has none, or
		// it has nothing at all.
		if h != "" && !own[m] && (slices.Contains(own, true) || !valued[m]) {
			replies[m].Err = collect.NewError(collect.ErrNoReply, nil, "%s has no series with %s=%q: it is not scraped, or its scrapes fail (up{%s=%q} says which)", displayURL(f.URL), f.label(), collect.Sanitize(h, 80), f.label(), collect.Sanitize(h, 80))
		}
	}
	return replies, nil
}

// dealRecords gives each member its records' values, and says which
// records it has no series for.
func (f *PromQLFleet) dealRecords(records []string, o fleetOutcome, put func(m int, key string, v float64, float bool), replies []collect.Reply) {
	flat := make(map[string]string, len(records))
	for _, r := range records {
		flat[r] = sanitizeName(r)
	}
	for m, h := range f.Hosts {
		got := o.records[h]
		var missing []string
		for _, r := range records {
			p := got[flat[r]]
			if p == nil {
				missing = append(missing, r)
				continue
			}
			v := *p
			// Whole numbers are integers (see isWhole): latency tells ms
			// totals from seconds by it.
			put(m, r, v, !isWhole(v))
		}
		if len(missing) > 0 && len(got) > 0 {
			replies[m].Warnings = append(replies[m].Warnings, missingRecords(missing))
		}
	}
	for _, w := range o.warnings {
		for m := range replies {
			replies[m].Warnings = append(replies[m].Warnings, w)
		}
	}
}

// missingRecords says which records a host has no series for.
func missingRecords(missing []string) string {
	const shown = 3
	list := strings.Join(missing[:min(shown, len(missing))], ", ")
	if len(missing) > shown {
		list += fmt.Sprintf(" and %d more", len(missing)-shown)
	}
	return fmt.Sprintf("%d record(s) have no series in Prometheus: %s (scrape /_stats/prometheus, the form named after the records)", len(missing), list)
}

// run asks one job's query.
func (f *PromQLFleet) run(ctx context.Context, j fleetJob, at time.Time) fleetOutcome {
	if j.member >= 0 {
		return fleetOutcome{own: f.queryOne(ctx, j.key, f.Hosts[j.member], at)}
	}
	o := fleetOutcome{byHost: map[string]float64{}}
	label := f.label()
	each := func(l promLabels, v float64) {
		h, ok := l.Value(label)
		o.labelled = o.labelled || ok
		if _, seen := o.byHost[string(h)]; !seen {
			o.byHost[string(h)] = 0
		}
		o.byHost[string(h)] += v
	}
	if j.records != nil {
		o.records = map[string]map[string]*float64{}
		// The map lookups by string(bytes) make no strings: only a new
		// host or record name is copied, once.
		each = func(l promLabels, v float64) {
			h, _ := l.Value(label)
			name, _ := l.Value("__name__")
			byName := o.records[string(h)]
			if byName == nil {
				byName = map[string]*float64{}
				o.records[string(h)] = byName
			}
			if p := byName[string(name)]; p != nil {
				*p += v
			} else {
				byName[string(name)] = &v
			}
		}
	}
	what := j.key
	if j.records != nil {
		what = fmt.Sprintf("the %d record keys", len(j.records))
	}
	res, err := f.get(ctx, j.query, what, at, each)
	if err != nil {
		o.err = err
		return o
	}
	o.warnings = serverWarnings(what, res.Warnings)
	switch {
	case res.Err != nil:
		res.Err.Query = collect.Sanitize(what, 120)
		o.err = res.Err
	case res.Unusable != "":
		o.err = fmt.Errorf("%s: %s", collect.Sanitize(what, 120), res.Unusable)
	}
	o.series, o.total = res.Series, res.Value
	return o
}

// queryOne runs one key for one host: $host is host, and a label
// wildcard's members are the values of its label.
func (f *PromQLFleet) queryOne(ctx context.Context, key, host string, at time.Time) queryOutcome {
	q, label := f.expand(key), ""
	if p, err := metrics.ParsePattern(key); err == nil {
		// One query for every value of the label: "*" asks for it to
		// be there, and each answer's value of it names a member.
		label, _ = wildcardLabel(p)
		q = f.expand(p.Prefix()[:len(p.Prefix())-2] + `=~".+"` + p.Suffix()[1:])
	}
	if usesHost(q) {
		if host == "" {
			return queryOutcome{warnings: []string{fmt.Sprintf("%s: no host for $host (name it after #: promql+http://prom:9090#edge1:9100)", collect.Sanitize(key, 120))}}
		}
		q = strings.ReplaceAll(q, "$host", host)
	}
	byLabel, each := sumsByLabel(label)
	res, err := f.get(ctx, q, key, at, each)
	if err != nil {
		return queryOutcome{err: err}
	}
	out := queryOutcome{warnings: serverWarnings(key, res.Warnings)}
	switch {
	case res.Err != nil:
		res.Err.Query = collect.Sanitize(key, 120)
		out.err = res.Err
	case res.Series == 0:
		out.warnings = append(out.warnings, fmt.Sprintf("%s: no data", collect.Sanitize(key, 120)))
	case res.Unusable != "":
		out.warnings = append(out.warnings, fmt.Sprintf("%s: %s", collect.Sanitize(key, 120), res.Unusable))
	case label != "":
		out.ok = true
		out.members = byLabel
		if _, ok := byLabel[""]; ok {
			delete(byLabel, "")
			out.warnings = append(out.warnings, fmt.Sprintf("%s: some answers have no %s label, so name no series; keep it with sum by (%s) (...)", collect.Sanitize(key, 120), label, label))
		}
	default:
		out.value, out.ok = res.Value, true
	}
	return out
}

// serverWarnings are the server's own warnings about the query of key.
func serverWarnings(key string, ws []string) []string {
	var out []string
	for _, w := range ws {
		out = append(out, fmt.Sprintf("%s: Prometheus warns: %s", collect.Sanitize(key, 120), collect.Sanitize(w, 160)))
	}
	return out
}

// maxGetQuery is the longest query form sent in a GET's URL; a longer one
// (the records query of a big dashboard, a fleet's host regex) is POSTed,
// as the API allows, since proxies and servers cap URLs at 8 KB or so.
const maxGetQuery = 4000

// get sends one instant query and decodes its answer; key names it in
// messages.
func (f *PromQLFleet) get(ctx context.Context, q, key string, at time.Time, each func(promLabels, float64)) (PromQLResult, error) {
	form := url.Values{
		"query": {q},
		// Milliseconds, as Prometheus stores them.
		"time": {strconv.FormatFloat(float64(at.UnixMilli())/1000, 'f', 3, 64)},
	}
	limit := f.MaxReplyBytes
	if limit <= 0 {
		limit = promQLMaxReplyBytes
	}
	display := displayURL(f.URL)
	var body string
	method := http.MethodGet
	u := f.URL + "/api/v1/query?" + form.Encode()
	if len(u) > maxGetQuery {
		method, u, body = http.MethodPost, f.URL+"/api/v1/query", form.Encode()
	}
	r, err := promDo(ctx, f.client, method, u, body, display, http.Header{"Accept": {"application/json"}}, limit)
	if err != nil {
		return PromQLResult{}, err
	}
	res, err := readPromQLReply(r.body, each)
	if err != nil {
		if r.status != http.StatusOK {
			// Not the API answering: a proxy's error page, a wrong path.
			return PromQLResult{}, r.statusError()
		}
		return PromQLResult{}, collect.NewError(collect.ErrMalformed, err, "%s: malformed reply to %s: %v", display, collect.Sanitize(key, 80), err)
	}
	return res, nil
}
