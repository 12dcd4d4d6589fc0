package prom

import (
	"regexp"
	"strings"

	"github.com/traffic-grapher/traffic_grapher/metrics"
)

// A key with a wildcard (metrics.Pattern) asks for one value per match:
//
//	node_network_receive_bytes_total{device="*"}   one per device (the label's value names it)
//	proxy.process.http.per_server.current_connection.*   one per ATS record the flat
//	                                                 /_stats/prometheus form's HELP names
//
// Each value is returned under the key with its wildcard bound
// (metrics.Bind): node_network_receive_bytes_total{device="eth0"}.

// anyValue is the matcher a label wildcard becomes: the label is present.
var anyValue = regexp.MustCompile(`^(?:.+)$`)

// fetchPattern adds every match of the pattern key in e to values.
func (s *PromSource) fetchPattern(e *exposition, key string, p metrics.Pattern, values map[string]metrics.Sample) {
	if label, ok := wildcardLabel(p); ok {
		sel, err := s.selector(metrics.Bind(key, "x"))
		if err != nil {
			return
		}
		any := *sel
		any.matchers = nil
		for _, m := range sel.matchers {
			if m.label == label && m.op == matchEqual {
				m = labelMatcher{label: label, op: matchRegexp, value: ".+", re: anyValue}
			}
			any.matchers = append(any.matchers, m)
		}
		sums := map[string]float64{}
		for i := range e.byName[any.name] {
			ser := &e.byName[any.name][i]
			if any.matchesLabels(ser) {
				sums[ser.label(label)] += ser.value
			}
		}
		for c, v := range sums {
			values[metrics.Bind(key, c)] = metrics.Sample{Value: v, Float: true}
		}
		return
	}
	// An ATS record pattern: the flat form names each record in HELP; the
	// labelled form (/_stats/prometheus_v2) names only the family's first
	// record there, so each of its series is the member whose record, with
	// one of the series' label values as the capture, spells it (ats.go).
	for name, mf := range e.families {
		c, ok := p.Match(mf.GetHelp())
		if !ok {
			continue
		}
		for _, ser := range e.byName[name] {
			if len(ser.labels) == 0 {
				values[metrics.Bind(key, c)] = metrics.Sample{Value: ser.value, Float: !isWhole(ser.value)}
				continue
			}
			for _, l := range ser.labels {
				record := metrics.Bind(key, l.value)
				if spells(sanitizeName(record), ser.name, ser.labels) {
					values[record] = metrics.Sample{Value: ser.value, Float: !isWhole(ser.value)}
					break
				}
			}
		}
	}
}

// wildcardLabel is the label whose value is the wildcard ({device="*"}),
// if that is where it is.
func wildcardLabel(p metrics.Pattern) (string, bool) {
	pre := p.Prefix()
	if !strings.HasSuffix(pre, `="`) || !strings.HasPrefix(p.Suffix(), `"`) {
		return "", false
	}
	pre = strings.TrimSuffix(pre, `="`)
	i := strings.LastIndexAny(pre, "{,")
	if i < 0 {
		return "", false
	}
	return strings.TrimSpace(pre[i+1:]), true
}
