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
//
// Format 2 adds what Traffic Server's records show beside that:
//   - Many records move together: with one cache volume, every
//     proxy.process.cache.volume_0 record is its proxy.process.cache
//     twin, and 200 responses are most of 2xx. A record whose change was
//     last time that of a record coded before it in the sample (its
//     partner) may be predicted by the partner's change now: a twin then
//     costs a bit or two.
//   - Some sums are updated only every few seconds, so their record is
//     unchanged four samples in five and then jumps. Once a record is
//     unchanged more often than not, a first bit says whether it changed,
//     and a change is coded against the last jump: four unchanged
//     samples and a jump of 30 MB then cost some 25 bits, not 140.

// keyState is what the coder of one host's record knows.
type keyState struct {
	v        float64
	float    bool
	had      bool  // v is a value
	delta    int64 // the last change, when hasDelta
	hasDelta bool
	avgDelta int64 // a running mean of the change, ×16
	// Running means (×16) of how far each prediction of the change has
	// been off (none: 0; the last change; the mean change; the partner's
	// change), and of the code written.
	errZero, errLast, errAvg, errPartner, meanCode uint64

	// Format 2.
	partner   uint64 // the partner's key id+1, or 0: none
	unchanged uint64 // a running mean of how often it is unchanged, ×4096
	lastJump  int64  // the last change that was not 0
	meanJump  uint64 // a running mean (×16) of a jump's code
}

// hostCoder codes one host's samples: its records' states and, within the
// sample being coded, each record's change so far (for partners). The
// writer and the reader each keep one per host and call it in the same
// order (begin, then the sample's keys in ascending id), so both sides
// predict alike.
type hostCoder struct {
	version  int
	keys     map[uint64]*keyState
	sample   uint32   // the sample being coded, counted from 1
	seen     []uint32 // seen[id] == sample: change[id] is this sample's
	change   []int64
	byChange map[int64]uint64 // this sample's first key with a change
}

func newHostCoder(version int) *hostCoder {
	return &hostCoder{version: version, keys: map[uint64]*keyState{}, byChange: map[int64]uint64{}}
}

// begin starts a sample.
func (h *hostCoder) begin() {
	h.sample++
	clear(h.byChange)
}

func (h *hostCoder) state(id uint64) *keyState {
	k := h.keys[id]
	if k == nil {
		k = &keyState{}
		h.keys[id] = k
	}
	return k
}

// partnerChange is the change of k's partner in this sample, if it has
// been coded and has one.
func (h *hostCoder) partnerChange(k *keyState) (int64, bool) {
	if k.partner == 0 {
		return 0, false
	}
	p := k.partner - 1
	if p >= uint64(len(h.seen)) || h.seen[p] != h.sample {
		return 0, false
	}
	return h.change[p], true
}

// observed notes record id's change d in this sample and finds its
// partner for the next: the first record before it whose change was the
// same.
func (h *hostCoder) observed(id uint64, k *keyState, d int64) {
	if h.version < 2 || id >= maxKeys {
		return
	}
	for uint64(len(h.seen)) <= id {
		h.seen = append(h.seen, 0)
		h.change = append(h.change, 0)
	}
	h.seen[id], h.change[id] = h.sample, d
	if d == 0 {
		return
	}
	if p, ok := h.byChange[d]; ok {
		if k.partner == 0 {
			// It has to earn its place: it starts as far off as the best.
			k.errPartner = min(k.errZero, k.errLast, k.errAvg)
		}
		k.partner = p + 1
		return
	}
	h.byChange[d] = id
}

// encode writes record id's value v.
func (h *hostCoder) encode(w *bitWriter, id uint64, v float64, float bool) {
	k := h.state(id)
	pd, pok := h.partnerChange(k)
	pred, ok := k.predict(pd, pok)
	coded := ok && whole(v) && float == k.float
	if ok && h.intermittent(k) {
		if coded && int64(v) == int64(k.v) {
			w.write(0, 1)
			h.observe(id, k, v, float, pd, pok)
			return
		}
		w.write(1, 1)
		pred = k.lastJump
	}
	if coded {
		zz := zigzag(int64(v) - int64(k.v) - pred)
		r := k.riceBits(h.intermittent(k))
		if q := zz >> r; q < escapeRun {
			w.ones(uint(q))
			w.write(0, 1)
			w.write(zz&(1<<r-1), r)
			h.observe(id, k, v, float, pd, pok)
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
	h.observe(id, k, v, float, pd, pok)
}

// decode reads a value written by encode.
func (h *hostCoder) decode(r *bitReader, id uint64) (float64, bool, error) {
	k := h.state(id)
	pd, pok := h.partnerChange(k)
	pred, ok := k.predict(pd, pok)
	jump := ok && h.intermittent(k)
	if jump {
		if r.read(1) == 0 {
			if r.err != nil {
				return 0, false, errBadCode
			}
			v, float := k.v, k.float
			h.observe(id, k, v, float, pd, pok)
			return v, float, nil
		}
		pred = k.lastJump
	}
	q := r.ones(escapeRun)
	if q < escapeRun {
		if !ok {
			return 0, false, errBadCode
		}
		rb := k.riceBits(jump)
		zz := uint64(q)<<rb | r.read(rb)
		v := float64(int64(k.v) + pred + unzigzag(zz))
		float := k.float
		if r.err != nil || !whole(v) {
			return 0, false, errBadCode
		}
		h.observe(id, k, v, float, pd, pok)
		return v, float, nil
	}
	float := r.read(1) == 1
	v := math.Float64frombits(r.read(32)<<32 | r.read(32))
	if r.err != nil {
		return 0, false, r.err
	}
	h.observe(id, k, v, float, pd, pok)
	return v, float, nil
}

// intermittent says k is unchanged more often than not, so that its code
// starts with a bit saying whether it changed (format 2).
func (h *hostCoder) intermittent(k *keyState) bool {
	return h.version >= 2 && k.hasDelta && k.unchanged > 2048
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
func (k *keyState) predict(partnerChange int64, partner bool) (int64, bool) {
	if !k.had || !whole(k.v) {
		return 0, false
	}
	if !k.hasDelta {
		return 0, true
	}
	switch {
	case partner && k.errPartner < k.errZero && k.errPartner < k.errLast && k.errPartner < k.errAvg:
		return partnerChange, true
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

// riceBits is the remainder's size for the running mean of the codes, or
// of the jumps' codes.
func (k *keyState) riceBits(jump bool) uint {
	m := k.meanCode >> 4
	if jump {
		m = k.meanJump >> 4
	}
	if m == 0 {
		return 0
	}
	return min(uint(bits.Len64(m))-1, maxRice)
}

// observe moves the state on to v (the same on both sides of the code).
func (h *hostCoder) observe(id uint64, k *keyState, v float64, float bool, partnerChange int64, partner bool) {
	if pred, ok := k.predict(partnerChange, partner); ok && whole(v) {
		d := int64(v) - int64(k.v)
		k.meanCode = ewma(k.meanCode, zigzag(d-pred))
		if k.hasDelta {
			k.errZero = ewma(k.errZero, uint64(abs(d)))
			k.errLast = ewma(k.errLast, uint64(abs(d-k.delta)))
			k.errAvg = ewma(k.errAvg, uint64(abs(d-roundDiv16(k.avgDelta))))
			if partner {
				k.errPartner = ewma(k.errPartner, uint64(abs(d-partnerChange)))
			}
			k.avgDelta += (max(min(d, 1<<40), -1<<40)<<4 - k.avgDelta) / 8
		} else {
			k.avgDelta = max(min(d, 1<<40), -1<<40) << 4
		}
		if h.version >= 2 {
			if d == 0 {
				k.unchanged += (4096 - k.unchanged) >> 4
			} else {
				k.unchanged -= k.unchanged >> 4
				k.meanJump = ewma(k.meanJump, zigzag(d-k.lastJump))
				k.lastJump = d
			}
		}
		k.delta, k.hasDelta = d, true
		h.observed(id, k, d)
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
