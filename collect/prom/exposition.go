package prom

import (
	"bytes"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/traffic-grapher/traffic_grapher/collect"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/traffic-grapher/traffic_grapher/metrics"
)

// exposition is one scrape of a Prometheus text-format endpoint, flattened
// back into the series the text spelled out: a histogram family "h" is the
// series h_bucket{le=...}, h_sum and h_count, a summary "s" is s{quantile=...},
// s_sum and s_count. That is what selectors name, as in PromQL.
type exposition struct {
	byName   map[string][]promSeries
	families map[string]*dto.MetricFamily
}

// promSeries is one sample of the exposition.
type promSeries struct {
	name   string
	labels []labelPair // sorted by name; includes le and quantile
	value  float64
	family string // the family's name: "h" for h_bucket
	typ    string // the family's TYPE: counter, gauge, histogram, ...
}

type labelPair struct{ name, value string }

// label returns the value of the label called name, "" if absent (PromQL's
// rule for matchers).
func (s *promSeries) label(name string) string {
	for _, l := range s.labels {
		if l.name == name {
			return l.value
		}
	}
	return ""
}

// String writes the series as the text format does: name{a="b",c="d"}.
func (s *promSeries) String() string {
	if len(s.labels) == 0 {
		return s.name
	}
	var b strings.Builder
	b.WriteString(s.name)
	b.WriteByte('{')
	for i, l := range s.labels {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(l.name + "=" + strconv.Quote(l.value))
	}
	b.WriteByte('}')
	return b.String()
}

// maxDuplicateWarnings bounds the warnings one scrape can produce.
const maxDuplicateWarnings = 3

// parseExposition parses the text format (version 0.0.4, what every
// exporter serves when asked for text/plain) with expfmt's parser. Metric
// and label names may be any UTF-8, as Prometheus 3 allows.
//
// The parser keeps duplicate series (same name and labels) as separate
// samples; summing both would double a value, so, like Prometheus's own
// scrape, the first is kept and the others reported.
func parseExposition(body []byte) (*exposition, []string, error) {
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	e := &exposition{byName: map[string][]promSeries{}, families: families}
	seen := map[string]bool{}
	var dups []string
	add := func(s promSeries) {
		id := s.String()
		if seen[id] {
			dups = append(dups, id)
			return
		}
		seen[id] = true
		e.byName[s.name] = append(e.byName[s.name], s)
	}
	for name, mf := range families {
		for _, m := range mf.GetMetric() {
			flatten(name, mf.GetType(), m, add)
		}
	}
	var warnings []string
	for i, d := range dups {
		if i == maxDuplicateWarnings {
			warnings = append(warnings, fmt.Sprintf("and %d more duplicate series", len(dups)-i))
			break
		}
		warnings = append(warnings, fmt.Sprintf("duplicate series %s: the first value is used", collect.Sanitize(d, 120)))
	}
	return e, warnings, nil
}

// flatten emits the series of one metric of a family.
func flatten(family string, t dto.MetricType, m *dto.Metric, emit func(promSeries)) {
	base := make([]labelPair, 0, len(m.GetLabel())+1)
	for _, l := range m.GetLabel() {
		base = append(base, labelPair{l.GetName(), l.GetValue()})
	}
	typ := strings.ToLower(t.String())
	one := func(suffix string, v float64, extra ...labelPair) {
		labels := append(append([]labelPair(nil), base...), extra...)
		sort.Slice(labels, func(i, j int) bool { return labels[i].name < labels[j].name })
		emit(promSeries{name: family + suffix, labels: labels, value: v, family: family, typ: typ})
	}
	switch t {
	case dto.MetricType_COUNTER:
		one("", m.GetCounter().GetValue())
	case dto.MetricType_GAUGE:
		one("", m.GetGauge().GetValue())
	case dto.MetricType_SUMMARY:
		s := m.GetSummary()
		for _, q := range s.GetQuantile() {
			one("", q.GetValue(), labelPair{model.QuantileLabel, metrics.FormatBound(q.GetQuantile())})
		}
		one("_sum", s.GetSampleSum())
		one("_count", float64(s.GetSampleCount()))
	case dto.MetricType_HISTOGRAM, dto.MetricType_GAUGE_HISTOGRAM:
		h := m.GetHistogram()
		for _, b := range h.GetBucket() {
			one("_bucket", countOf(b.GetCumulativeCount(), b.GetCumulativeCountFloat()),
				labelPair{model.BucketLabel, metrics.FormatBound(b.GetUpperBound())})
		}
		one("_sum", h.GetSampleSum())
		one("_count", countOf(h.GetSampleCount(), h.GetSampleCountFloat()))
	default: // untyped
		one("", m.GetUntyped().GetValue())
	}
}

// countOf picks the float count when the text had one (the parser stores
// whole counts as integers, others as floats).
func countOf(n uint64, f float64) float64 {
	if f != 0 {
		return f
	}
	return float64(n)
}

// selection is what a selector picked from an exposition.
type selection struct {
	sum     float64
	n       int                 // series summed
	buckets map[float64]float64 // le → summed cumulative count, for a histogram's own name
	family  string
	typ     string
	quants  map[string]bool // distinct quantile labels among summary series summed
}

// sel applies a selector. A selector naming a histogram family itself
// (http_request_duration_seconds, not ..._bucket) selects its _count series
// for the value and its buckets for quantiles (see metrics.BucketKey).
func (e *exposition) sel(s *promSelector) selection {
	var out selection
	name := s.name
	hist := false
	if mf, ok := e.families[s.name]; ok && isHistogram(mf.GetType()) {
		hist = true
		name = s.name + "_count"
		out.buckets = map[float64]float64{}
	}
	for i := range e.byName[name] {
		ser := &e.byName[name][i]
		if !s.matchesLabels(ser) {
			continue
		}
		out.sum += ser.value
		out.n++
		out.family, out.typ = ser.family, ser.typ
		if ser.typ == "summary" && ser.name == ser.family {
			if out.quants == nil {
				out.quants = map[string]bool{}
			}
			out.quants[ser.label(model.QuantileLabel)] = true
		}
	}
	if hist {
		for i := range e.byName[s.name+"_bucket"] {
			ser := &e.byName[s.name+"_bucket"][i]
			if !s.matchesLabels(ser) {
				continue
			}
			le, err := strconv.ParseFloat(ser.label(model.BucketLabel), 64)
			if err == nil && !math.IsNaN(le) {
				out.buckets[le] += ser.value
			}
		}
	}
	return out
}

func isHistogram(t dto.MetricType) bool {
	return t == dto.MetricType_HISTOGRAM || t == dto.MetricType_GAUGE_HISTOGRAM
}

// matchesLabels reports whether every matcher accepts the series.
func (s *promSelector) matchesLabels(ser *promSeries) bool {
	for i := range s.matchers {
		m := &s.matchers[i]
		v := ser.label(m.label)
		if m.label == "__name__" {
			v = ser.name
		}
		if !m.matches(v) {
			return false
		}
	}
	return true
}
