// Package expr is the dashboards' expression language: a metric whose value
// is computed from records, such as
//
//	rate(errors) / rate(requests) * 100
//
// with + - * / (also written − × ÷), parentheses, numbers, names, and the
// functions in funcs. A name is one of the metric's inputs (a short name
// for a record) or a record name itself (it has a dot or an underscore:
// proxy.process.http.incoming_requests, node_load1). A bare name is the
// record's current value (a gauge); rate(), delta() and ratio() follow a
// counter over time with the same reset and 5 s-sync rules as the counter,
// latency and hit_rate types (see eval.go).
//
// Parse reports the first problem as an *Error with the offset in the
// source, which config turns into file:line:column and a caret.
package expr

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/traffic-grapher/traffic_grapher/metrics"
)

// MaxLen bounds an expression's source; MaxDepth its nesting.
const (
	MaxLen   = 4096
	MaxDepth = 64
)

// Error is a problem at Offset (a byte offset into the source) spanning
// Len bytes (at least one is marked).
type Error struct {
	Offset, Len int
	Msg         string
}

func (e *Error) Error() string { return e.Msg }

// Caret draws the source line of the problem and a caret under it, for
// messages: "  rate(req) / rat(x)\n               ^^^". Characters a
// terminal would act on are drawn as '?', and a long line is cut to the
// caret's neighbourhood, so the message is always two plain lines.
func (e *Error) Caret(src string, indent string) string {
	off := min(max(e.Offset, 0), len(src))
	start := strings.LastIndexByte(src[:off], '\n') + 1
	end := len(src)
	if i := strings.IndexByte(src[off:], '\n'); i >= 0 {
		end = off + i
	}
	line := []rune(strings.ToValidUTF8(src[start:end], "?"))
	col := utf8.RuneCountInString(strings.ToValidUTF8(src[start:off], "?"))
	n := max(1, utf8.RuneCountInString(strings.ToValidUTF8(src[off:min(off+max(e.Len, 1), end)], "?")))
	for i, r := range line {
		if !unicode.IsPrint(r) {
			line[i] = '?'
		}
	}
	const room = 70 // characters either side of the caret
	if from := col - room; from > 0 {
		line = append([]rune("…"), line[from:]...)
		col = col - from + 1
	}
	if len(line) > col+room {
		line = append(line[:col+room], '…')
	}
	n = min(n, max(len(line)-col, 1))
	return indent + string(line) + "\n" + indent + strings.Repeat(" ", col) + strings.Repeat("^", n)
}

// Expr is a parsed expression: a tree to evaluate, and what it reads.
type Expr struct {
	src     string
	inputs  map[string]string
	root    node
	records []string
}

// Source is the text the expression was parsed from.
func (e *Expr) Source() string { return e.src }

// Identity is the expression's text and its inputs: two expressions with
// the same identity derive the same values.
func (e *Expr) Identity() string {
	var b strings.Builder
	b.WriteString(e.src)
	names := make([]string, 0, len(e.inputs))
	for n := range e.inputs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, "\x00%s=%s", n, e.inputs[n])
	}
	return b.String()
}

// Records lists the records the expression reads, sorted, each once.
func (e *Expr) Records() []string { return slices.Clone(e.records) }

// Bind is the expression with the wildcard of each input replaced by
// capture (metrics.Bind): one member of a family of series.
func (e *Expr) Bind(capture string) (metrics.Compiled, error) {
	inputs := make(map[string]string, len(e.inputs))
	for k, v := range e.inputs {
		inputs[k] = metrics.Bind(v, capture)
	}
	b, err := Parse(e.src, inputs)
	if err != nil {
		return nil, err
	}
	return b, nil
}

// Parse parses src. inputs maps the expression's short names to records;
// every input must be used, and every name that is not an input must be a
// record name (with a dot or an underscore).
func Parse(src string, inputs map[string]string) (*Expr, error) {
	if len(src) > MaxLen {
		return nil, &Error{Offset: MaxLen, Len: 1, Msg: fmt.Sprintf("expression is %d bytes long; at most %d", len(src), MaxLen)}
	}
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{src: src, toks: toks, inputs: inputs, used: map[string]bool{}, records: map[string]bool{}}
	root, err := p.parse()
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(inputs))
	for n := range inputs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if !p.used[n] {
			return nil, &Error{Offset: 0, Len: len(src), Msg: fmt.Sprintf("input %q is not used in the expression", n)}
		}
	}
	e := &Expr{src: src, inputs: inputs, root: root}
	for r := range p.records {
		e.records = append(e.records, r)
	}
	sort.Strings(e.records)
	return e, nil
}

// token is one lexical element: kind is 'n' (number), 'i' (name) or the
// operator or punctuation character itself.
type token struct {
	kind     rune
	text     string
	num      float64
	off, end int
}

// lex splits src into tokens. A run of letters, digits, '_' and '.' is a
// number if it reads as one (5, 0.25, 1e3), else a name (5xx,
// proxy.process.http.incoming_requests).
func lex(src string) ([]token, error) {
	var toks []token
	for i := 0; i < len(src); {
		r, w := utf8.DecodeRuneInString(src[i:])
		switch {
		case r == utf8.RuneError && w == 1:
			return nil, &Error{Offset: i, Len: 1, Msg: "not valid UTF-8"}
		case unicode.IsSpace(r):
			i += w
		case isWord(r):
			j := i
			for j < len(src) {
				r2, w2 := utf8.DecodeRuneInString(src[j:])
				if !isWord(r2) {
					// 1e-3 and 2.5E+6: a sign right after an exponent
					// belongs to the number.
					if (r2 == '-' || r2 == '+') && j > i && (src[j-1] == 'e' || src[j-1] == 'E') && startsNumber(src[i:j]) {
						j += w2
						continue
					}
					break
				}
				j += w2
			}
			word := src[i:j]
			v, err := strconv.ParseFloat(word, 64)
			if startsNumber(word) && (errors.Is(err, strconv.ErrRange) || err == nil && !finite(v)) {
				return nil, &Error{Offset: i, Len: j - i, Msg: fmt.Sprintf("number %s is out of range", word)}
			}
			if err == nil && startsNumber(word) {
				toks = append(toks, token{kind: 'n', text: word, num: v, off: i, end: j})
			} else {
				toks = append(toks, token{kind: 'i', text: word, off: i, end: j})
			}
			i = j
		default:
			k, ok := operators[r]
			if !ok {
				return nil, &Error{Offset: i, Len: w, Msg: fmt.Sprintf("unexpected %q (operators are + - * / and parentheses; a record name with other characters goes in inputs:)", r)}
			}
			toks = append(toks, token{kind: k, text: string(r), off: i, end: i + w})
			i += w
		}
	}
	// The end is right after the last character, not after trailing
	// blanks (a YAML block scalar's final newline): that is where a caret
	// about a missing operand belongs.
	end := len(strings.TrimRightFunc(src, unicode.IsSpace))
	return append(toks, token{kind: 0, off: end, end: end}), nil
}

// operators maps each operator character, including the typographic ones,
// to the token kind it is.
var operators = map[rune]rune{
	'+': '+', '-': '-', '−': '-', '*': '*', '×': '*', '/': '/', '÷': '/',
	'(': '(', ')': ')', ',': ',',
}

func isWord(r rune) bool {
	return r == '_' || r == '.' || r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

// startsNumber says a word begins like a number (a digit, or a dot and a
// digit): "inf" and "nan" are names, not numbers.
func startsNumber(w string) bool {
	return w != "" && (w[0] >= '0' && w[0] <= '9' || len(w) > 1 && w[0] == '.' && w[1] >= '0' && w[1] <= '9')
}

type parser struct {
	src     string
	toks    []token
	pos     int
	depth   int
	inputs  map[string]string
	used    map[string]bool
	records map[string]bool
}

func (p *parser) peek() token { return p.toks[p.pos] }
func (p *parser) next() token { t := p.toks[p.pos]; p.pos++; return t }

func (p *parser) errAt(t token, format string, args ...any) error {
	return &Error{Offset: t.off, Len: max(t.end-t.off, 1), Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) parse() (node, error) {
	if p.peek().kind == 0 {
		return nil, p.errAt(p.peek(), "empty expression")
	}
	n, err := p.sum()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != 0 {
		return nil, p.errAt(t, "unexpected %s after a complete expression (a missing operator?)", describe(t))
	}
	return n, nil
}

// sum := product (('+' | '-') product)*
func (p *parser) sum() (node, error) {
	left, err := p.product()
	for err == nil && (p.peek().kind == '+' || p.peek().kind == '-') {
		op := p.next().kind
		var right node
		if right, err = p.product(); err == nil {
			left = &binary{op: op, l: left, r: right}
		}
	}
	return left, err
}

// product := unary (('*' | '/') unary)*
func (p *parser) product() (node, error) {
	left, err := p.unary()
	for err == nil && (p.peek().kind == '*' || p.peek().kind == '/') {
		op := p.next().kind
		var right node
		if right, err = p.unary(); err == nil {
			left = &binary{op: op, l: left, r: right}
		}
	}
	return left, err
}

// unary := '-' unary | primary
func (p *parser) unary() (node, error) {
	if p.peek().kind == '-' {
		p.next()
		n, err := p.unary()
		if err != nil {
			return nil, err
		}
		return &binary{op: '-', l: number(0), r: n}, nil
	}
	return p.primary()
}

// primary := number | name | name '(' args ')' | '(' sum ')'
func (p *parser) primary() (node, error) {
	p.depth++
	defer func() { p.depth-- }()
	t := p.next()
	if p.depth > MaxDepth {
		return nil, p.errAt(t, "expression nested more than %d deep", MaxDepth)
	}
	switch t.kind {
	case 'n':
		return number(t.num), nil
	case '(':
		n, err := p.sum()
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != ')' {
			return nil, p.errAt(c, "expected ) to close the ( at column %d, found %s", p.column(t), describe(c))
		}
		return n, nil
	case 'i':
		if p.peek().kind == '(' {
			return p.call(t)
		}
		return p.name(t)
	}
	return nil, p.errAt(t, "expected a number, a name or (, found %s", describe(t))
}

// name resolves a name: an input, else a record name.
func (p *parser) name(t token) (node, error) {
	if rec, ok := p.inputs[t.text]; ok {
		p.used[t.text] = true
		p.records[rec] = true
		return ref(rec), nil
	}
	if _, isFunc := funcs[t.text]; isFunc {
		return nil, p.errAt(t, "%s is a function: write %s(...)", t.text, t.text)
	}
	if !strings.ContainsAny(t.text, "._") {
		msg := fmt.Sprintf("unknown name %q", t.text)
		if s := closest(t.text, keys(p.inputs)); s != "" {
			msg += fmt.Sprintf("; did you mean %s?", s)
		}
		if len(p.inputs) > 0 {
			msg += fmt.Sprintf(" (the inputs are %s; a record name has dots or underscores)", strings.Join(keys(p.inputs), ", "))
		} else {
			msg += " (not an input, and a record name has dots or underscores; name it in inputs:)"
		}
		return nil, p.errAt(t, "%s", msg)
	}
	p.records[t.text] = true
	return ref(t.text), nil
}

// call parses name '(' args ')' and checks the function's arguments.
func (p *parser) call(name token) (node, error) {
	f, ok := funcs[name.text]
	if !ok {
		msg := fmt.Sprintf("unknown function %s", name.text)
		if s := closest(name.text, keys(funcs)); s != "" {
			msg += fmt.Sprintf("; did you mean %s?", s)
		}
		return nil, p.errAt(name, "%s (known: %s)", msg, strings.Join(keys(funcs), ", "))
	}
	p.next() // (
	var args []node
	var argToks []token
	if p.peek().kind != ')' {
		for {
			argToks = append(argToks, p.peek())
			a, err := p.sum()
			if err != nil {
				return nil, err
			}
			args = append(args, a)
			if p.peek().kind != ',' {
				break
			}
			p.next()
		}
	}
	if c := p.next(); c.kind != ')' {
		return nil, p.errAt(c, "expected , or ) in the arguments of %s( at column %d, found %s", name.text, p.column(name), describe(c))
	}
	if len(args) < f.min || f.max >= 0 && len(args) > f.max {
		return nil, p.errAt(name, "%s takes %s, not %d (%s)", name.text, f.arity(), len(args), f.help)
	}
	return f.build(p, name, args, argToks)
}

// column is the 1-based column of t in its line, in characters.
func (p *parser) column(t token) int {
	start := strings.LastIndexByte(p.src[:t.off], '\n') + 1
	return utf8.RuneCountInString(p.src[start:t.off]) + 1
}

func describe(t token) string {
	switch t.kind {
	case 0:
		return "the end"
	case 'n':
		return "the number " + t.text
	case 'i':
		return "the name " + t.text
	}
	return strconv.Quote(t.text)
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// closest is the candidate fewest edits (at most two) from s, if only one
// is that close.
func closest(s string, candidates []string) string {
	best, bestD, n := "", 3, 0
	for _, c := range candidates {
		d := editDistance(strings.ToLower(s), strings.ToLower(c))
		switch {
		case d >= len(c) || d > bestD:
		case d < bestD:
			best, bestD, n = c, d, 1
		default:
			n++
		}
	}
	if n == 1 {
		return best
	}
	return ""
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
