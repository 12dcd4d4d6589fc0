package record

import (
	"errors"
	"math"
	"math/bits"
)

// A sample's values are coded against what the same host said of the same
// record last time. A counter at a steady rate changes by about as much
// each second as on average; one whose rate drifts, by about as much as
// the last time; a gauge wobbling about a level is best told by its
// change. Each record's coder learns which of the three predictions of the
// change has been closest and how far off it runs, and writes the
// difference from it as a Golomb-Rice code of that size: an unchanged
// record takes one bit, a busy byte counter two or three bytes, close to
// what the numbers hold. Anything else (a first value, a float
// that is not a whole number, a jump beyond the code's reach) is the
// escape code and the float64 itself.

// keyState is what the coder of one host's record knows.
type keyState struct {
	v        float64
	float    bool
	had      bool  // v is a value
	delta    int64 // the last change, when hasDelta
	hasDelta bool
	avgDelta int64 // a running mean of the change, ×16
	// Running means (×16) of how far each prediction of the change has
	// been off (none: 0; the last change; the mean change), and of the
	// code written.
	errZero, errLast, errAvg, meanCode uint64
}

// Limits of the code.
const (
	escapeRun = 24 // a run of this many ones is the escape
	maxRice   = 48 // the largest remainder, in bits
)

// whole says v is an integer a float64 holds exactly, whose difference with
// another such fits an int64.
func whole(v float64) bool {
	return v == math.Trunc(v) && math.Abs(v) <= maxIntDelta
}

// predict is the change expected next, and whether a coded difference can
// be used at all (the last value was a whole number).
func (k *keyState) predict() (int64, bool) {
	if !k.had || !whole(k.v) {
		return 0, false
	}
	if !k.hasDelta {
		return 0, true
	}
	switch {
	case k.errAvg < k.errLast && k.errAvg < k.errZero:
		return roundDiv16(k.avgDelta), true
	case k.errLast < k.errZero:
		return k.delta, true
	}
	return 0, true
}

// roundDiv16 is x/16 rounded to the nearest.
func roundDiv16(x int64) int64 {
	if x < 0 {
		return -((-x + 8) >> 4)
	}
	return (x + 8) >> 4
}

// riceBits is the remainder's size for the running mean.
func (k *keyState) riceBits() uint {
	m := k.meanCode >> 4
	if m == 0 {
		return 0
	}
	return min(uint(bits.Len64(m))-1, maxRice)
}

// observe moves the state on to v (the same on both sides of the code).
func (k *keyState) observe(v float64, float bool) {
	if pred, ok := k.predict(); ok && whole(v) {
		d := int64(v) - int64(k.v)
		k.meanCode = ewma(k.meanCode, zigzag(d-pred))
		if k.hasDelta {
			k.errZero = ewma(k.errZero, uint64(abs(d)))
			k.errLast = ewma(k.errLast, uint64(abs(d-k.delta)))
			k.errAvg = ewma(k.errAvg, uint64(abs(d-roundDiv16(k.avgDelta))))
			k.avgDelta += (max(min(d, 1<<40), -1<<40)<<4 - k.avgDelta) / 8
		} else {
			k.avgDelta = max(min(d, 1<<40), -1<<40) << 4
		}
		k.delta, k.hasDelta = d, true
	} else {
		k.hasDelta = false
	}
	k.v, k.float, k.had = v, float, true
}

func ewma(mean, x uint64) uint64 { return mean - mean>>3 + min(x, 1<<40)<<1 }

func zigzag(v int64) uint64   { return uint64(v<<1) ^ uint64(v>>63) }
func unzigzag(u uint64) int64 { return int64(u>>1) ^ -int64(u&1) }

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// encode writes v.
func (k *keyState) encode(w *bitWriter, v float64, float bool) {
	if pred, ok := k.predict(); ok && whole(v) && float == k.float {
		zz := zigzag(int64(v) - int64(k.v) - pred)
		r := k.riceBits()
		if q := zz >> r; q < escapeRun {
			w.ones(uint(q))
			w.write(0, 1)
			w.write(zz&(1<<r-1), r)
			k.observe(v, float)
			return
		}
	}
	w.ones(escapeRun)
	f := uint64(0)
	if float {
		f = 1
	}
	w.write(f, 1)
	bits := math.Float64bits(v)
	w.write(bits>>32, 32)
	w.write(bits&0xffffffff, 32)
	k.observe(v, float)
}

// decode reads a value written by encode.
func (k *keyState) decode(r *bitReader) (float64, bool, error) {
	q := r.ones(escapeRun)
	if q < escapeRun {
		pred, ok := k.predict()
		if !ok {
			return 0, false, errBadCode
		}
		rb := k.riceBits()
		zz := uint64(q)<<rb | r.read(rb)
		v := float64(int64(k.v) + pred + unzigzag(zz))
		float := k.float
		if r.err != nil || !whole(v) {
			return 0, false, errBadCode
		}
		k.observe(v, float)
		return v, float, nil
	}
	float := r.read(1) == 1
	v := math.Float64frombits(r.read(32)<<32 | r.read(32))
	if r.err != nil {
		return 0, false, r.err
	}
	k.observe(v, float)
	return v, float, nil
}

var errBadCode = errors.New("bad value code")

// bitWriter appends bits, most significant first.
type bitWriter struct {
	b   []byte
	acc uint64
	n   uint // bits in acc
}

func (w *bitWriter) write(v uint64, n uint) {
	for n > 0 {
		take := min(n, 56-w.n)
		w.acc = w.acc<<take | (v>>(n-take))&(1<<take-1)
		w.n += take
		n -= take
		for w.n >= 8 {
			w.b = append(w.b, byte(w.acc>>(w.n-8)))
			w.n -= 8
		}
	}
}

func (w *bitWriter) ones(n uint) {
	for n > 0 {
		take := min(n, 32)
		w.write(1<<take-1, take)
		n -= take
	}
}

// finish pads the last byte with zeros and returns the bytes.
func (w *bitWriter) finish() []byte {
	if w.n > 0 {
		w.b = append(w.b, byte(w.acc<<(8-w.n)))
		w.n = 0
	}
	w.acc = 0
	return w.b
}

// bitReader reads what a bitWriter wrote; reading past the end sets err.
type bitReader struct {
	b   []byte
	i   int  // next byte
	bit uint // bits of b[i] taken
	err error
}

func (r *bitReader) read(n uint) uint64 {
	var v uint64
	for ; n > 0; n-- {
		if r.i >= len(r.b) {
			r.err = errBadCode
			return 0
		}
		v = v<<1 | uint64(r.b[r.i]>>(7-r.bit))&1
		if r.bit++; r.bit == 8 {
			r.i, r.bit = r.i+1, 0
		}
	}
	return v
}

// ones reads a run of ones and the zero after it, at most max ones (then
// no zero follows); it returns the run's length.
func (r *bitReader) ones(max uint) uint {
	var n uint
	for n < max {
		if r.read(1) == 0 {
			return n
		}
		if r.err != nil {
			return max + 1
		}
		n++
	}
	return n
}
