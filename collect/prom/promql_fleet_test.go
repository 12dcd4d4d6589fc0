package prom

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/traffic-grapher/traffic_grapher/collect"
)

// seriesReply is a vector answer of samples given as label sets with a
// value: {"__name__": "x", "instance": "a"}: "1".
func seriesReply(samples ...string) string {
	return `{"status":"success","data":{"resultType":"vector","result":[` + strings.Join(samples, ",") + `]}}`
}

func sample(value string, labels ...string) string {
	var pairs []string
	for i := 0; i+1 < len(labels); i += 2 {
		pairs = append(pairs, fmt.Sprintf("%q:%q", labels[i], labels[i+1]))
	}
	return fmt.Sprintf(`{"metric":{%s},"value":[1700000000.000,%q]}`, strings.Join(pairs, ","), value)
}

// everyMember asks keys of each member of f.
func everyMember(f *PromQLFleet, keys []string) [][]string {
	out := make([][]string, len(f.Hosts))
	for m := range out {
		out[m] = keys
	}
	return out
}

// The hosts on the pages are asked every key, the others a few (and one
// not at all): one set of queries per key list, each naming its own
// hosts, even in a fleet a selector found.
func TestPromQLFleetAsksEachKeyListOfItsMembers(t *testing.T) {
	const (
		brief = `sum by (__name__, host) ({__name__=~"proxy_process_http_incoming_requests", host=~"a|c"})`
		full  = `sum by (__name__, host) ({__name__=~"proxy_process_http_completed_requests|proxy_process_http_incoming_requests", host="b"})`
	)
	fake := newFakePrometheus(t, map[string]string{
		brief: seriesReply(
			sample("1", "__name__", "proxy_process_http_incoming_requests", "host", "a"),
			sample("3", "__name__", "proxy_process_http_incoming_requests", "host", "c")),
		full: seriesReply(
			sample("2", "__name__", "proxy_process_http_incoming_requests", "host", "b"),
			sample("20", "__name__", "proxy_process_http_completed_requests", "host", "b")),
	})
	f := NewPromQLFleet(fake.URL, "host", []string{"a", "b", "c", "d"})
	f.Select = `job="ats"`
	few := []string{"proxy.process.http.incoming_requests"}
	all := []string{"proxy.process.http.incoming_requests", "proxy.process.http.completed_requests"}
	replies, err := f.FetchBatch(context.Background(), [][]string{few, all, few, nil})
	if err != nil {
		t.Fatal(err)
	}
	if len(fake.queries) != 2 {
		t.Errorf("queries %q; want one for each key list", fake.queries)
	}
	for _, tc := range []struct {
		member int
		key    string
		want   float64
		ok     bool
	}{
		{0, all[0], 1, true},
		{0, all[1], 0, false},
		{1, all[0], 2, true},
		{1, all[1], 20, true},
		{2, all[0], 3, true},
	} {
		s, ok := replies[tc.member].Values[tc.key]
		if ok != tc.ok || s.Value != tc.want {
			t.Errorf("member %d %s = %v, %v; want %v, %v", tc.member, tc.key, s.Value, ok, tc.want, tc.ok)
		}
		if err := replies[tc.member].Err; err != nil {
			t.Errorf("member %d: %v", tc.member, err)
		}
	}
	if r := replies[3]; r.Values != nil || r.Err != nil {
		t.Errorf("a member not asked has a reply: %+v", r)
	}
}

// When one key list's queries fail and another's answer, only the
// members of the first fail.
func TestPromQLFleetKeyListFailsAlone(t *testing.T) {
	fake := newFakePrometheus(t, map[string]string{
		`sum by (__name__, host) ({__name__=~"proxy_process_http_incoming_requests", host="a"})`: seriesReply(
			sample("1", "__name__", "proxy_process_http_incoming_requests", "host", "a")),
	})
	f := NewPromQLFleet(fake.URL, "host", []string{"a", "b"})
	replies, err := f.FetchBatch(context.Background(), [][]string{{"proxy.process.http.incoming_requests"}, {"rate("}})
	if err != nil {
		t.Fatal(err)
	}
	if replies[0].Err != nil || replies[1].Err == nil {
		t.Errorf("errors %v, %v; want the second member's only", replies[0].Err, replies[1].Err)
	}
}

func TestPromQLFleetAsksOnceForAllHosts(t *testing.T) {
	const (
		records = `sum by (__name__, instance) ({__name__=~"proxy_process_http_completed_requests|proxy_process_http_incoming_requests", instance=~"edge1:8080|edge2:8080|edge3:8080"})`
		perHost = `sum by (instance) (rate(x{instance=~"edge1:8080|edge2:8080|edge3:8080"}[1m]))`
		total   = `sum(up)`
		broken  = `rate(`
	)
	fake := newFakePrometheus(t, map[string]string{
		records: seriesReply(
			sample("100", "__name__", "proxy_process_http_incoming_requests", "instance", "edge1:8080"),
			sample("200.5", "__name__", "proxy_process_http_incoming_requests", "instance", "edge2:8080"),
			sample("90", "__name__", "proxy_process_http_completed_requests", "instance", "edge1:8080"),
			// edge3 is not scraped: no series at all.
		),
		perHost:                    seriesReply(sample("1.5", "instance", "edge1:8080"), sample("2.5", "instance", "edge2:8080")),
		total:                      seriesReply(sample("2")),
		broken:                     `{"status":"error","errorType":"bad_data","error":"1:6: parse error: unclosed left parenthesis"}`,
		`y{instance="edge1:8080"}`: seriesReply(sample("7", "instance", "edge1:8080")),
	})
	f := NewPromQLFleet(fake.URL, "", []string{"edge1:8080", "edge2:8080", "edge3:8080"})
	keys := []string{
		"proxy.process.http.incoming_requests", "proxy.process.http.completed_requests",
		`sum by ($label) (rate(x{$hosts}[1m]))`, total, broken, `y{instance="$host"}`, "42",
	}
	replies, err := f.FetchBatch(context.Background(), everyMember(f, keys))
	if err != nil {
		t.Fatal(err)
	}
	// One query per shared key and one for all the records; $host is a
	// query per host.
	if n := len(fake.queries); n != 4+3 {
		t.Errorf("%d queries for 3 hosts: %q; want 7", n, fake.queries)
	}
	if len(fake.times) != 1 {
		t.Errorf("queries at %d times; want one instant for all", len(fake.times))
	}
	get := func(m int, key string) (float64, bool) {
		s, ok := replies[m].Values[key]
		return s.Value, ok
	}
	for _, tc := range []struct {
		member int
		key    string
		want   float64
		ok     bool
	}{
		{0, "proxy.process.http.incoming_requests", 100, true},
		{1, "proxy.process.http.incoming_requests", 200.5, true},
		{0, "proxy.process.http.completed_requests", 90, true},
		{1, "proxy.process.http.completed_requests", 0, false},
		{0, keys[2], 1.5, true},
		{1, keys[2], 2.5, true},
		{0, total, 2, true}, // no host label: every host's
		{1, total, 2, true},
		{0, keys[5], 7, true},
		{1, keys[5], 0, false},
		{0, "42", 42, true},
	} {
		if v, ok := get(tc.member, tc.key); ok != tc.ok || v != tc.want {
			t.Errorf("member %d %s = %v, %v; want %v, %v", tc.member, tc.key, v, ok, tc.want, tc.ok)
		}
	}
	if replies[1].Values["proxy.process.http.incoming_requests"].Float != true || replies[0].Values["proxy.process.http.incoming_requests"].Float {
		t.Errorf("whole numbers are integers, fractions floats: %+v", replies[0].Values)
	}
	for m, want := range map[int][]string{
		0: {"rate(: Prometheus bad_data"},
		1: {"1 record(s) have no series in Prometheus: proxy.process.http.completed_requests", `y{instance="$host"}: no data`},
	} {
		w := strings.Join(replies[m].Warnings, "\n")
		for _, s := range want {
			if !strings.Contains(w, s) {
				t.Errorf("member %d warnings %q lack %q", m, w, s)
			}
		}
	}
	if replies[0].Err != nil || replies[1].Err != nil {
		t.Errorf("answering hosts failed: %v, %v", replies[0].Err, replies[1].Err)
	}
	if err := replies[2].Err; err == nil || !strings.Contains(err.Error(), `no series with instance="edge3:8080"`) {
		t.Errorf("a host without series: %v; want it to fail, named", err)
	}
}

func TestPromQLFleetFailsAsOneWhenTheServerDoes(t *testing.T) {
	f := NewPromQLFleet("http://127.0.0.1:1", "host", []string{"a", "b"})
	if _, err := f.FetchBatch(context.Background(), everyMember(f, []string{"proxy.process.http.incoming_requests", "up"})); err == nil {
		t.Fatal("a server that refuses: no error")
	}
}

func TestPromQLFleetMatchers(t *testing.T) {
	for _, tc := range []struct {
		label, sel string
		hosts      []string
		want       string
	}{
		{"", "", []string{"a.b:1"}, `instance="a.b:1"`},
		{"host", "", []string{"edge1", "edge2.x"}, `host=~"edge1|edge2\\.x"`},
		{"", "", []string{""}, `instance=~".*"`},
		{"", `job="ats"`, []string{"a", "b"}, `job="ats"`},
	} {
		f := &PromQLFleet{Label: tc.label, Select: tc.sel, Hosts: tc.hosts}
		if got := f.hostMatchers(); got != tc.want {
			t.Errorf("%+v: $hosts = %s, want %s", tc, got, tc.want)
		}
	}
	if got := selectorMatchers(`up{job="ats", env=~"prod|canary"}`); got != `job="ats", env=~"prod|canary"` {
		t.Errorf("selectorMatchers = %s", got)
	}
	if got := selectorMatchers(`up == 1`); got != "" {
		t.Errorf("selectorMatchers of an expression = %q, want \"\"", got)
	}
}

func TestOpenPromQLFleetsGroupsByServer(t *testing.T) {
	var eps []collect.Endpoint
	for _, a := range []string{"promql+http://p1:9090#a:1", "promql+http://p1:9090#b:1", "promql+http://p2:9090#a:1", "promql+http://p1:9090?label=host#c"} {
		ep, err := collect.ParseEndpoint(a)
		if err != nil {
			t.Fatal(err)
		}
		eps = append(eps, ep)
	}
	opened, errs := openPromQLFleets(context.Background(), eps, collect.Env{})
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	batch := func(i int) (collect.Batch, int) { return opened[i].Source.(collect.Batched).Batch() }
	b0, m0 := batch(0)
	b1, m1 := batch(1)
	b2, _ := batch(2)
	b3, _ := batch(3)
	if b0 != b1 || m0 != 0 || m1 != 1 {
		t.Errorf("two hosts of p1: batches %p/%d and %p/%d; want one, members 0 and 1", b0, m0, b1, m1)
	}
	if b2 == b0 || b3 == b0 {
		t.Error("another server, or another host label, shares the batch")
	}
	if b3.(*PromQLFleet).label() != "host" {
		t.Errorf("label= not kept: %q", b3.(*PromQLFleet).label())
	}
	bad, _ := collect.ParseEndpoint("promql+http://p1:9090?lable=host#c")
	if _, errs := openPromQLFleets(context.Background(), []collect.Endpoint{bad}, collect.Env{}); errs[0] == nil || !strings.Contains(errs[0].Error(), `unknown option "lable"`) {
		t.Errorf("a misspelt option: %v", errs[0])
	}
}

func TestDiscoverPromQLTargets(t *testing.T) {
	fake := newFakePrometheus(t, map[string]string{
		`up{job="ats"}`: seriesReply(
			sample("1", "__name__", "up", "instance", "edge10.pop:8080", "pop", "fra"),
			sample("0", "__name__", "up", "instance", "edge2.pop:8080", "pop", "ams"),
			sample("1", "__name__", "up", "instance", "edge2.pop:8080", "pop", "ams"), // twice: one host
		),
		`count({__name__="proxy_process_http_incoming_requests", job="ats"})`: seriesReply(sample("2")),
	})
	ep, err := collect.ParseEndpoint("promql+" + fake.URL + `?targets=up{job="ats"}&group=pop`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := discoverPromQLTargets(context.Background(), ep, collect.Env{})
	if err != nil {
		t.Fatal(err)
	}
	var desc []string
	for _, e := range got {
		desc = append(desc, fmt.Sprintf("%s %s %s %s", e.Name, e.Host, e.Group, e.Pages))
	}
	// Natural order, named as hosts are, grouped, on the ATS pages.
	if want := "edge2 edge2.pop:8080 ams ats|edge10 edge10.pop:8080 fra ats"; strings.Join(desc, "|") != want {
		t.Errorf("discovered %q, want %q", strings.Join(desc, "|"), want)
	}

	for _, tc := range []struct{ arg, want string }{
		{`?targets=up{job="none"}`, "names no targets"},
		{`?targets=up{job="ats"}#edge1:9100`, "either targets="},
		{`?group=pop`, "needs targets="},
		{`?targets=up&group=1pop`, "not a Prometheus label name"},
	} {
		ep, err := collect.ParseEndpoint("promql+" + fake.URL + tc.arg)
		if err == nil {
			_, err = discoverPromQLTargets(context.Background(), ep, collect.Env{})
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v; want %q", tc.arg, err, tc.want)
		}
	}
}
