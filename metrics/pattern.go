package metrics

import (
	"errors"
	"fmt"
	"strings"
)

// Wildcard in a record name stands for any text of at least one character,
// dots included: plugin.remap_stats.*.status_5xx matches
// plugin.remap_stats.www.example.com.status_5xx, and what it matched
// (www.example.com) names the series. A metric that reads such a name is a
// family: one series per match (see family.go).
const Wildcard = "*"

// Pattern is a record name with one wildcard.
type Pattern struct{ prefix, suffix string }

// labelWildcard is a Prometheus label matcher whose value is the wildcard:
// node_network_receive_bytes_total{device="*"} is one series per device.
const labelWildcard = `="*"`

// IsPattern says whether a record name has a wildcard: in the name itself,
// or as the whole value of a Prometheus label matcher, in a selector or a
// PromQL query (sum by (device) (rate(x{device="*"}[1m])) is one series
// per device). A * in a name with spaces, parentheses or brackets is a
// PromQL multiplication, not a wildcard; nor is one in a selector's
// regular expression ({device=~"eth.*"}).
func IsPattern(name string) bool {
	_, n := wildcards(name)
	return n > 0
}

// wildcards finds the wildcard of name: where it is, and how many there are.
func wildcards(name string) (at, n int) {
	at, n = -1, 0
	for i := 0; ; {
		j := strings.Index(name[i:], labelWildcard)
		if j < 0 {
			break
		}
		if i+j == 0 || name[i+j-1] != '!' { // != "*" is a label that is not "*"
			if n == 0 {
				at = i + j + 2
			}
			n++
		}
		i += j + len(labelWildcard)
	}
	if n > 0 {
		return at, n
	}
	if strings.ContainsAny(name, " ()[]") {
		return -1, 0
	}
	base := name
	if i := strings.IndexByte(name, '{'); i >= 0 {
		base = name[:i]
	}
	if n := strings.Count(base, Wildcard); n > 0 {
		return strings.Index(base, Wildcard), n
	}
	return -1, 0
}

// ParsePattern reads a record name with exactly one wildcard; a name with
// none is an error too, so callers need no IsPattern first.
func ParsePattern(name string) (Pattern, error) {
	i, n := wildcards(name)
	switch {
	case n == 0:
		// The common case, asked of every key every tick: no message
		// is built for it.
		return Pattern{}, ErrNoWildcard
	case n > 1:
		return Pattern{}, fmt.Errorf("%q has %d wildcards (%s); one names each series", name, n, Wildcard)
	}
	return Pattern{prefix: name[:i], suffix: name[i+1:]}, nil
}

// ErrNoWildcard is ParsePattern's error for a name without a wildcard.
var ErrNoWildcard = errors.New("no wildcard (" + Wildcard + ")")

// Match says whether name matches, and what the wildcard stands for.
func (p Pattern) Match(name string) (capture string, ok bool) {
	if len(name) <= len(p.prefix)+len(p.suffix) || !strings.HasPrefix(name, p.prefix) || !strings.HasSuffix(name, p.suffix) {
		return "", false
	}
	return name[len(p.prefix) : len(name)-len(p.suffix)], true
}

// Prefix and Suffix are the literal text around the wildcard.
func (p Pattern) Prefix() string { return p.prefix }
func (p Pattern) Suffix() string { return p.suffix }

func (p Pattern) String() string { return p.prefix + Wildcard + p.suffix }

// Bind is the record name with the wildcard replaced by capture; a name
// without one is returned as it is.
func Bind(name, capture string) string {
	i, n := wildcards(name)
	if n != 1 {
		return name
	}
	return name[:i] + capture + name[i+1:]
}

// Pattern is the family pattern of d: the first record it reads that has a
// wildcard. ok is false for a plain metric.
func (d MetricDef) Pattern() (Pattern, bool) {
	for _, r := range d.Records() {
		if IsPattern(r) {
			p, err := ParsePattern(r)
			return p, err == nil
		}
	}
	return Pattern{}, false
}

// Bind is the member of family d named capture: every wildcard of its
// records replaced by it.
func (d MetricDef) Bind(capture string) (MetricDef, error) {
	m := d
	m.Key, m.Key2 = Bind(d.Key, capture), Bind(d.Key2, capture)
	if info, _ := LookupType(d.Type); info.Key2IsParam {
		m.Key2 = d.Key2
	}
	if d.Expr != nil {
		e, err := d.Expr.Bind(capture)
		if err != nil {
			return MetricDef{}, err
		}
		m.Expr = e
	}
	return m, nil
}

// CheckPatterns says what is wrong with d's wildcards, if anything: each
// record name has at most one, and a metric reading several patterns gives
// them all the same capture, so they must be able to match one series.
func (d MetricDef) CheckPatterns() error {
	for _, r := range d.Records() {
		if IsPattern(r) {
			if _, err := ParsePattern(r); err != nil {
				return err
			}
		}
	}
	return nil
}
