package expr

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/traffic-grapher/traffic_grapher/metrics"
)

// New makes the expression's derivation for one host: its rate(), delta()
// and ratio() calls each keep that host's baselines.
func (e *Expr) New() metrics.Derivation { return &derivation{root: e.root.clone()} }

// derivation evaluates the tree on each snapshot. No value comes out that
// is not finite: a division by zero, a missing record or an overflow is a
// gap, never Inf, NaN or a spike.
type derivation struct{ root node }

func (d *derivation) Observe(s metrics.Snapshot) (float64, bool) {
	v, ok := d.root.eval(s)
	if !ok || !finite(v) {
		return 0, false
	}
	return v, true
}

func (d *derivation) Reset() { d.root.reset() }

// node is one part of the tree. eval must evaluate every child, whatever
// it finds: rate(a) / rate(b) still has to feed rate(b) while rate(a)
// warms up, or b's baseline would go stale.
type node interface {
	eval(s metrics.Snapshot) (float64, bool)
	clone() node // a copy with fresh state
	reset()      // forget baselines
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

type number float64

func (n number) eval(metrics.Snapshot) (float64, bool) { return float64(n), true }
func (n number) clone() node                           { return n }
func (n number) reset()                                {}

// ref is a record's current value.
type ref string

func (r ref) eval(s metrics.Snapshot) (float64, bool) {
	smp, ok := s.Values[string(r)]
	if !ok || !finite(smp.Value) {
		return 0, false
	}
	return smp.Value, true
}
func (r ref) clone() node { return r }
func (r ref) reset()      {}

type binary struct {
	op   rune
	l, r node
}

func (b *binary) eval(s metrics.Snapshot) (float64, bool) {
	x, ok1 := b.l.eval(s)
	y, ok2 := b.r.eval(s)
	if !ok1 || !ok2 {
		return 0, false
	}
	var v float64
	switch b.op {
	case '+':
		v = x + y
	case '-':
		v = x - y
	case '*':
		v = x * y
	case '/':
		if y == 0 {
			return 0, false
		}
		v = x / y
	}
	return v, finite(v)
}
func (b *binary) clone() node { return &binary{op: b.op, l: b.l.clone(), r: b.r.clone()} }
func (b *binary) reset()      { b.l.reset(); b.r.reset() }

// function is one of the language's functions.
type function struct {
	min, max int    // arguments; max < 0: any number
	help     string // what it does, for messages and the README
	build    func(p *parser, name token, args []node, argToks []token) (node, error)
}

func (f function) arity() string {
	switch {
	case f.min == f.max && f.min == 1:
		return "one argument"
	case f.min == f.max:
		return strconv.Itoa(f.min) + " arguments"
	case f.max < 0 && f.min == 1:
		return "at least one argument"
	case f.max < 0:
		return "at least " + strconv.Itoa(f.min) + " arguments"
	}
	return fmt.Sprintf("%d to %d arguments", f.min, f.max)
}

// funcs are the functions. Every built-in metric type is one of them or a
// combination (see the README: counter is rate(k), latency is
// ratio(ms(total), count), hit_rate is ratio(hits, hits + misses) * 100).
var funcs map[string]function

func init() {
	funcs = map[string]function{
		"rate": {1, 1, "per-second rate of a counter, as type counter", func(_ *parser, _ token, a []node, _ []token) (node, error) {
			return &rateNode{arg: a[0], d: &metrics.RateFromCounter{}}, nil
		}},
		"delta": {1, 1, "increase of a counter since the previous sample", func(_ *parser, _ token, a []node, _ []token) (node, error) {
			return &deltaNode{arg: a[0]}, nil
		}},
		"ratio": {2, 2, "Δa / Δb since b last moved, held between 5 s syncs, as type latency", func(_ *parser, _ token, a []node, _ []token) (node, error) {
			return &ratioNode{a: a[0], b: a[1], d: &metrics.LatencyFromTotals{}}, nil
		}},
		"ms": {1, 1, "a time record in milliseconds: × 1000 when the server reports float seconds (ATS 9.x)", buildMillis},
		"sum": {1, -1, "the sum of its arguments", func(_ *parser, _ token, a []node, _ []token) (node, error) {
			return &fold{name: "sum", args: a, op: func(x, y float64) float64 { return x + y }}, nil
		}},
		"min": {1, -1, "the least of its arguments", func(_ *parser, _ token, a []node, _ []token) (node, error) {
			return &fold{name: "min", args: a, op: math.Min}, nil
		}},
		"max": {1, -1, "the greatest of its arguments", func(_ *parser, _ token, a []node, _ []token) (node, error) {
			return &fold{name: "max", args: a, op: math.Max}, nil
		}},
		"quantile": {2, 2, "quantile(0.99, histogram): a Prometheus histogram's quantile in each interval, as type quantile", buildQuantile},
	}
}

// rateNode is rate(x): RateFromCounter over whatever x computes.
type rateNode struct {
	arg node
	d   *metrics.RateFromCounter
}

func (r *rateNode) eval(s metrics.Snapshot) (float64, bool) {
	v, ok := r.arg.eval(s)
	return r.d.ObserveValue(s.Time, v, ok)
}
func (r *rateNode) clone() node { return &rateNode{arg: r.arg.clone(), d: &metrics.RateFromCounter{}} }
func (r *rateNode) reset()      { r.arg.reset(); r.d.Reset() }

// ratioNode is ratio(a, b): LatencyFromTotals' Δa/Δb, unscaled.
type ratioNode struct {
	a, b node
	d    *metrics.LatencyFromTotals
}

func (r *ratioNode) eval(s metrics.Snapshot) (float64, bool) {
	x, ok1 := r.a.eval(s)
	y, ok2 := r.b.eval(s)
	if !ok1 || !ok2 {
		return 0, false
	}
	return r.d.ObserveTotals(s.Time, x, y, 1)
}
func (r *ratioNode) clone() node {
	return &ratioNode{a: r.a.clone(), b: r.b.clone(), d: &metrics.LatencyFromTotals{}}
}
func (r *ratioNode) reset() { r.a.reset(); r.b.reset(); r.d.Reset() }

// deltaNode is delta(x): x minus x at the previous sample. A missing
// sample, a clock going backwards or a decrease (a restart) starts again
// from the next one, so an outage never becomes one huge delta.
type deltaNode struct {
	arg  node
	prev float64
	at   time.Time
	have bool
}

func (d *deltaNode) eval(s metrics.Snapshot) (float64, bool) {
	v, ok := d.arg.eval(s)
	switch {
	case !ok:
		d.have = false
		return 0, false
	case d.have && s.Time.Equal(d.at):
		return 0, false // the same sample again: nothing new
	case !d.have || s.Time.Before(d.at) || v < d.prev:
		d.prev, d.at, d.have = v, s.Time, true
		return 0, false
	}
	out := v - d.prev
	d.prev, d.at = v, s.Time
	return out, finite(out)
}
func (d *deltaNode) clone() node { return &deltaNode{arg: d.arg.clone()} }
func (d *deltaNode) reset()      { d.arg.reset(); d.have = false }

// fold is sum, min or max of its arguments.
type fold struct {
	name string
	args []node
	op   func(x, y float64) float64
}

func (f *fold) eval(s metrics.Snapshot) (float64, bool) {
	var acc float64
	ok := true
	for i, a := range f.args {
		v, vok := a.eval(s)
		switch {
		case !vok:
			ok = false
		case i == 0:
			acc = v
		default:
			acc = f.op(acc, v)
		}
	}
	return acc, ok && finite(acc)
}
func (f *fold) clone() node {
	c := &fold{name: f.name, op: f.op, args: make([]node, len(f.args))}
	for i, a := range f.args {
		c.args[i] = a.clone()
	}
	return c
}
func (f *fold) reset() {
	for _, a := range f.args {
		a.reset()
	}
}

// millis is ms(record): the record in ms, by its type, as latency decides
// the unit of its total-time record when unit: is left out.
type millis string

func (m millis) eval(s metrics.Snapshot) (float64, bool) {
	smp, ok := s.Values[string(m)]
	if !ok || !finite(smp.Value) {
		return 0, false
	}
	if smp.Float {
		return smp.Value * 1000, true
	}
	return smp.Value, true
}
func (m millis) clone() node { return m }
func (m millis) reset()      {}

func buildMillis(_ *parser, name token, args []node, argToks []token) (node, error) {
	r, ok := args[0].(ref)
	if !ok {
		return nil, &Error{Offset: argToks[0].off, Len: argToks[0].end - argToks[0].off,
			Msg: "ms() takes a record (its type says whether it counts seconds or ms), not an expression"}
	}
	return millis(r), nil
}

// quantileNode is quantile(q, histogram): QuantileFromBuckets.
type quantileNode struct {
	key string
	q   string
	d   metrics.Derivation
}

func (q *quantileNode) eval(s metrics.Snapshot) (float64, bool) { return q.d.Observe(s) }
func (q *quantileNode) clone() node {
	d, _ := metrics.NewDerivation(metrics.TypeQuantile, q.key, q.q, "") // checked by buildQuantile
	return &quantileNode{key: q.key, q: q.q, d: d}
}
func (q *quantileNode) reset() { q.d.Reset() }

func buildQuantile(_ *parser, name token, args []node, argToks []token) (node, error) {
	qn, ok := args[0].(number)
	if !ok || !(qn > 0 && qn < 1) {
		return nil, &Error{Offset: argToks[0].off, Len: argToks[0].end - argToks[0].off,
			Msg: "quantile's first argument is the quantile, a number between 0 and 1 (0.99 for p99)"}
	}
	r, ok := args[1].(ref)
	if !ok {
		return nil, &Error{Offset: argToks[1].off, Len: argToks[1].end - argToks[1].off,
			Msg: "quantile's second argument is a histogram record, not an expression"}
	}
	q := strings.TrimRight(strconv.FormatFloat(float64(qn), 'f', -1, 64), ".")
	d, err := metrics.NewDerivation(metrics.TypeQuantile, string(r), q, "")
	if err != nil {
		return nil, &Error{Offset: name.off, Len: name.end - name.off, Msg: err.Error()}
	}
	return &quantileNode{key: string(r), q: q, d: d}, nil
}
