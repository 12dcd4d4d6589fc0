package record

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"
)

// codedSample is one sample given to a hostCoder: values by key id, in
// ascending id; a NaN id is absent.
type codedSample []struct {
	id    uint64
	v     float64
	float bool
}

// roundTrip codes samples with one coder and decodes them with another,
// and returns how many bits each sample took.
func roundTrip(t testing.TB, version int, samples []codedSample) []int {
	t.Helper()
	enc, dec := newHostCoder(version), newHostCoder(version)
	sizes := make([]int, len(samples))
	for i, s := range samples {
		var w bitWriter
		enc.begin()
		for _, x := range s {
			enc.encode(&w, x.id, x.v, x.float)
		}
		sizes[i] = len(w.b)*8 + int(w.n)
		r := bitReader{b: w.finish()}
		dec.begin()
		for _, x := range s {
			v, float, err := dec.decode(&r, x.id)
			if err != nil || float != x.float || !(v == x.v || math.IsNaN(v) && math.IsNaN(x.v)) {
				t.Fatalf("format %d, sample %d, key %d: decoded %v (float %v, %v), want %v (float %v)", version, i, x.id, v, float, err, x.v, x.float)
			}
		}
	}
	return sizes
}

// series makes n samples of the keys, each key's value at i from its func.
func series(n int, keys ...func(i int) (float64, bool)) []codedSample {
	out := make([]codedSample, n)
	for i := range out {
		for id, f := range keys {
			v, ok := f(i)
			if !ok {
				continue
			}
			out[i] = append(out[i], struct {
				id    uint64
				v     float64
				float bool
			}{uint64(id), v, false})
		}
	}
	return out
}

func counter(seed uint64, rate, noise int) func(int) (float64, bool) {
	r := rand.New(rand.NewPCG(seed, 7))
	var v float64
	return func(int) (float64, bool) {
		v += float64(rate + r.IntN(noise))
		return v, true
	}
}

// Format 2's predictions pay: a record that is another's twin costs a bit
// or two, and a sum updated every five seconds a few bits a sample, where
// format 1 spends tens; and both formats decode what they coded.
func TestCodecPredictions(t *testing.T) {
	bytes := counter(1, 50_000_000, 1_000_000)
	var twin, sum float64
	values := series(600,
		func(i int) (float64, bool) { v, _ := bytes(i); twin = v; return v, true }, // proxy.process.cache.bytes_used
		func(i int) (float64, bool) { return twin, true },                          // its volume_0 twin
		func(i int) (float64, bool) { // a sum updated every 5 s
			if i%5 == 0 {
				sum = twin * 3
			}
			return sum, true
		},
	)
	for _, tc := range []struct {
		version    int
		key        int
		atMostBits float64 // a sample, on average, after the first minute
		atLeast    float64
	}{
		{2, 1, 3, 0},
		{2, 2, 8, 0},
		{1, 1, 40, 15}, // what format 2 is for
		{1, 2, 200, 20},
	} {
		one := make([]codedSample, len(values))
		for i, s := range values {
			one[i] = codedSample{s[0], s[tc.key]}
		}
		base := roundTrip(t, tc.version, series(len(values), func(i int) (float64, bool) { return values[i][0].v, true }))
		both := roundTrip(t, tc.version, one)
		var bits float64
		for i := 60; i < len(values); i++ {
			bits += float64(both[i] - base[i])
		}
		bits /= float64(len(values) - 60)
		if bits > tc.atMostBits || bits < tc.atLeast {
			t.Errorf("format %d: key %d costs %.1f bits a sample, want %v to %v", tc.version, tc.key, bits, tc.atLeast, tc.atMostBits)
		}
	}
}

// Values that go every way code and decode alike in both formats: twins
// that part, a partner that is absent, sums that stop, restarts, floats,
// NaN, infinities and jumps beyond the code's reach.
func TestCodecRoundTrips(t *testing.T) {
	req := counter(2, 3000, 200)
	var a float64
	values := series(400,
		func(i int) (float64, bool) { v, _ := req(i); a = v; return v, i%7 != 3 },
		func(i int) (float64, bool) { // a twin, until it parts
			if i > 200 {
				return a + float64(i%3), true
			}
			return a, true
		},
		func(i int) (float64, bool) { // sums, a restart, a huge jump
			switch {
			case i == 150:
				return 0, true
			case i == 300:
				return 1 << 52, true
			case i%5 == 0:
				return a, true
			}
			return math.Floor(a / 1.01), i%11 != 0
		},
		func(i int) (float64, bool) { // everything else
			switch i % 6 {
			case 0:
				return math.NaN(), true
			case 1:
				return math.Inf(-1), true
			case 2:
				return 0.25 * float64(i), true
			}
			return float64(i), true
		},
	)
	for _, s := range values {
		for j := range s {
			s[j].float = s[j].v != math.Trunc(s[j].v) || math.IsNaN(s[j].v)
		}
	}
	for _, version := range []int{1, 2} {
		roundTrip(t, version, values)
	}
}

// FuzzCodec codes arbitrary samples (each 9 bytes of data: a key id and
// a value) in both formats and decodes what was coded.
func FuzzCodec(f *testing.F) {
	f.Add([]byte("\x00\x00\x00\x00\x00\x00\x00\x10\x40\x01\x00\x00\x00\x00\x00\x00\x10\x40\xff\x00\x00\x00\x00\x00\x00\x14\x40"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var samples []codedSample
		var s codedSample
		for len(data) >= 9 {
			id, v := uint64(data[0]&0x7f), math.Float64frombits(binary.LittleEndian.Uint64(data[1:9]))
			data = data[9:]
			if len(s) > 0 && id <= s[len(s)-1].id { // the next sample
				samples, s = append(samples, s), nil
			}
			s = append(s, struct {
				id    uint64
				v     float64
				float bool
			}{id, v, data != nil && len(data)%2 == 1})
		}
		samples = append(samples, s)
		for _, version := range []int{1, 2} {
			roundTrip(t, version, samples)
		}
	})
}
