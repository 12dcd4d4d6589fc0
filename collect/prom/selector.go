package prom

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/traffic-grapher/traffic_grapher/collect"
)

// A dashboard key for a prom source is a PromQL instant-vector selector
// without the PromQL: a metric name and optional label matchers,
//
//	node_network_receive_bytes_total{device="eth0"}
//	node_cpu_seconds_total{mode!="idle"}
//	node_filesystem_avail_bytes{mountpoint=~"/|/var",fstype!~"tmpfs|overlay"}
//	{__name__="node_load1"}
//
// with PromQL's four operators (=, !=, =~, !~), regular expressions anchored
// at both ends as in PromQL (RE2 syntax, like Prometheus), and PromQL's
// rule that a label a series lacks has the value "". Values are
// double-quoted or backquoted Go/PromQL strings. The source sums every
// series the selector matches: to graph one device, name it; there is no
// `by (...)`, since one dashboard metric is one line.

// promSelector is a parsed key.
type promSelector struct {
	name     string
	matchers []labelMatcher
}

type matchOp int

const (
	matchEqual matchOp = iota
	matchNotEqual
	matchRegexp
	matchNotRegexp
)

func (o matchOp) String() string {
	return [...]string{"=", "!=", "=~", "!~"}[o]
}

// labelMatcher is one `label OP "value"` of a selector.
type labelMatcher struct {
	label string
	op    matchOp
	value string
	re    *regexp.Regexp // for =~ and !~: ^(?:value)$
}

// matches reports whether a label value (or "" for an absent label)
// satisfies the matcher.
func (m *labelMatcher) matches(v string) bool {
	switch m.op {
	case matchEqual:
		return v == m.value
	case matchNotEqual:
		return v != m.value
	case matchRegexp:
		return m.re.MatchString(v)
	default:
		return !m.re.MatchString(v)
	}
}

// maxSelectorLen bounds a key; dashboards allow 256 bytes.
const maxSelectorLen = 4096

// parseSelector parses a key in the syntax above.
func parseSelector(s string) (*promSelector, error) {
	if len(s) > maxSelectorLen {
		return nil, fmt.Errorf("selector too long (%d bytes)", len(s))
	}
	p := &selectorParser{s: s}
	sel, err := p.parse()
	if err != nil {
		return nil, fmt.Errorf("bad selector %q: %v", collect.Sanitize(s, 80), err)
	}
	return sel, nil
}

type selectorParser struct {
	s   string
	pos int
}

func (p *selectorParser) parse() (*promSelector, error) {
	sel := &promSelector{}
	p.space()
	sel.name = p.ident(true)
	p.space()
	if p.peek() == '{' {
		p.pos++
		if err := p.matchers(sel); err != nil {
			return nil, err
		}
	}
	p.space()
	if p.pos < len(p.s) {
		return nil, fmt.Errorf("unexpected %q at offset %d", p.s[p.pos:p.pos+1], p.pos)
	}
	if sel.name == "" {
		// {__name__="x", ...}: the name may be a matcher, as in PromQL.
		for i, m := range sel.matchers {
			if m.label == "__name__" && m.op == matchEqual {
				sel.name = m.value
				sel.matchers = append(sel.matchers[:i:i], sel.matchers[i+1:]...)
				break
			}
		}
	}
	if sel.name == "" {
		return nil, errors.New(`no metric name (write name{...} or {__name__="name",...})`)
	}
	return sel, nil
}

// matchers parses `label OP "value", ...}` after the opening brace.
func (p *selectorParser) matchers(sel *promSelector) error {
	for {
		p.space()
		if p.peek() == '}' {
			p.pos++
			return nil
		}
		label := p.ident(false)
		if label == "" {
			return p.expected("a label name or '}'")
		}
		p.space()
		op, ok := p.op()
		if !ok {
			return p.expected("=, !=, =~ or !~")
		}
		p.space()
		value, err := p.str()
		if err != nil {
			return err
		}
		if !utf8.ValidString(value) {
			// Prometheus label values are UTF-8; one that is not could
			// match nothing, and would not survive being written out.
			return fmt.Errorf("label %s: the value is not valid UTF-8", label)
		}
		m := labelMatcher{label: label, op: op, value: value}
		if op == matchRegexp || op == matchNotRegexp {
			re, err := regexp.Compile("^(?:" + value + ")$")
			if err != nil {
				return fmt.Errorf("label %s: bad regular expression: %v", label, err)
			}
			m.re = re
		}
		sel.matchers = append(sel.matchers, m)
		p.space()
		switch p.peek() {
		case ',':
			p.pos++
		case '}':
		default:
			return p.expected("',' or '}'")
		}
	}
}

func (p *selectorParser) expected(what string) error {
	if p.pos >= len(p.s) {
		return fmt.Errorf("expected %s at the end", what)
	}
	return fmt.Errorf("expected %s at offset %d, found %q", what, p.pos, p.s[p.pos:p.pos+1])
}

func (p *selectorParser) peek() byte {
	if p.pos < len(p.s) {
		return p.s[p.pos]
	}
	return 0
}

func (p *selectorParser) space() {
	for p.pos < len(p.s) && (p.s[p.pos] == ' ' || p.s[p.pos] == '\t') {
		p.pos++
	}
}

// ident reads a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*) or, without colons,
// a label name; "" if there is none.
func (p *selectorParser) ident(colon bool) string {
	start := p.pos
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		ok := c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			(colon && c == ':') || (p.pos > start && c >= '0' && c <= '9')
		if !ok {
			break
		}
		p.pos++
	}
	return p.s[start:p.pos]
}

func (p *selectorParser) op() (matchOp, bool) {
	rest := p.s[p.pos:]
	for _, o := range []matchOp{matchRegexp, matchNotRegexp, matchNotEqual, matchEqual} {
		if strings.HasPrefix(rest, o.String()) {
			p.pos += len(o.String())
			return o, true
		}
	}
	return 0, false
}

// str reads a "double-quoted" (with Go's escapes, as PromQL) or
// `backquoted` string.
func (p *selectorParser) str() (string, error) {
	quote := p.peek()
	if quote != '"' && quote != '`' {
		return "", p.expected("a quoted value")
	}
	end := p.pos + 1
	for end < len(p.s) && p.s[end] != quote {
		if quote == '"' && p.s[end] == '\\' {
			end++
		}
		end++
	}
	if end >= len(p.s) {
		return "", fmt.Errorf("unterminated string at offset %d", p.pos)
	}
	if !utf8.ValidString(p.s[p.pos : end+1]) {
		// Unquote would turn each bad byte into U+FFFD: a value other
		// than the one written.
		return "", fmt.Errorf("the string at offset %d is not valid UTF-8", p.pos)
	}
	v, err := strconv.Unquote(p.s[p.pos : end+1])
	if err != nil {
		return "", fmt.Errorf("bad string at offset %d: %v", p.pos, err)
	}
	p.pos = end + 1
	return v, nil
}

// String writes the selector back in canonical form (for tests and
// messages). A name that is not an identifier (Prometheus 3 allows any
// UTF-8: "my.metric") is written as a __name__ matcher.
func (sel *promSelector) String() string {
	var b strings.Builder
	matchers := sel.matchers
	if p := (&selectorParser{s: sel.name}); p.ident(true) == sel.name {
		b.WriteString(sel.name)
	} else {
		matchers = append([]labelMatcher{{label: "__name__", op: matchEqual, value: sel.name}}, matchers...)
	}
	if len(matchers) > 0 {
		b.WriteByte('{')
		for i, m := range matchers {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(m.label + m.op.String() + strconv.Quote(m.value))
		}
		b.WriteByte('}')
	}
	return b.String()
}
