package prom

import (
	"math"
	"net/url"
	"strings"

	"github.com/traffic-grapher/traffic_grapher/collect"
)

// Traffic Server's stats_over_http serves its records in the Prometheus
// text format too: /_stats/prometheus (ATS 10.1 on) writes each record
// under its name with every character a metric name cannot have made '_'
// (proxy.process.http.incoming_requests is proxy_process_http_incoming_requests)
// and the original name as the family's HELP; /_stats/prometheus_v2 (10.2)
// also moves parts of names into labels (proxy.process.http.get_requests is
// proxy_process_http_requests{method="get"}, cache_hit_fresh is
// cache_fresh{result="hit"}, cache.volume_0.bytes_used is
// cache_volume_bytes_used{volume="0"}). So the ATS pages, whose keys are
// record names, read either form: atsSeries finds the series a record
// became. The plugin's rules decide which parts become labels, so the
// search asks the reverse question: which series, with its label values
// put back where they came out, spells the record.

// atsPages shows the ATS pages for stats_over_http's Prometheus paths
// (/_stats/prometheus, /_stats/prometheus_v2, or a remapped .../prometheus
// under a stats path), the node pages for any other exporter.
func atsPages(ep collect.Endpoint) string {
	u, err := url.Parse(ep.URL)
	if err != nil {
		return ""
	}
	p := strings.TrimSuffix(u.Path, "/")
	if strings.HasSuffix(p, "/prometheus") || strings.HasSuffix(p, "/prometheus_v2") {
		return "ats"
	}
	return ""
}

// isRecordName says a key is an ATS record's name rather than a selector:
// it has dots, which no classic metric name has.
func isRecordName(key string) bool {
	return strings.Contains(key, ".") && !strings.ContainsAny(key, "{} \"=")
}

// atsSeries is the selector (the series' text, labels and all) for
// record in e, or "" when e has none.
func (e *exposition) atsSeries(record string) string {
	// The flat form: HELP says the name.
	for name, mf := range e.families {
		if mf.GetHelp() == record {
			for _, s := range e.byName[name] {
				if len(s.labels) == 0 {
					return name
				}
			}
		}
	}
	flat := sanitizeName(record)
	for _, s := range e.byName[flat] {
		if len(s.labels) == 0 {
			return flat
		}
	}
	// The labelled form: a series whose label values, taken out of the
	// record's flat name, leave its family.
	for name, series := range e.byName {
		if !sameStart(name, flat) {
			continue
		}
		for _, s := range series {
			if len(s.labels) > 0 && spells(flat, name, s.labels) {
				return s.String()
			}
		}
	}
	return ""
}

// sameStart cheaply rules out most families: a record and its series share
// their first part ("proxy_process_http_").
func sameStart(a, b string) bool {
	n := min(len(a), len(b), 14)
	return a[:n] == b[:n]
}

// spells says removing each label value (a whole '_'-separated part of
// flat) from flat, and the '_' beside it, gives name.
func spells(flat, name string, labels []labelPair) bool {
	rest := flat
	for _, l := range labels {
		v := sanitizeName(l.value)
		i := wordIndex(rest, v)
		if v == "" || i < 0 {
			return false
		}
		switch {
		case i+len(v) < len(rest): // "_v" or "v_" in the middle or at the start
			rest = rest[:i] + rest[i+len(v)+1:]
		case i > 0: // at the end: drop the '_' before it
			rest = rest[:i-1]
		default:
			return false // the whole name
		}
	}
	return rest == name
}

// wordIndex is where v stands in s as a whole '_'-separated part, or -1.
func wordIndex(s, v string) int {
	for from := 0; from <= len(s)-len(v); {
		i := strings.Index(s[from:], v)
		if i < 0 {
			return -1
		}
		i += from
		before := i == 0 || s[i-1] == '_'
		after := i+len(v) == len(s) || s[i+len(v)] == '_'
		if before && after {
			return i
		}
		from = i + 1
	}
	return -1
}

// sanitizeName is what stats_over_http does to a record name: every
// character a metric name cannot have becomes '_'.
func sanitizeName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == ':') {
			b[i] = '_'
		}
	}
	return string(b)
}

// isWhole says v has no fraction: an ATS record read through Prometheus
// (where every value is a float) is an integer unless it shows one, which
// is what latency needs to tell ms totals (ATS 10) from seconds.
func isWhole(v float64) bool { return v == math.Trunc(v) }
