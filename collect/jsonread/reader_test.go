package jsonread

import (
	"encoding/binary"
	"encoding/json"
	"math/bits"
	"strings"
	"testing"
)

func TestReaderSkipsWhatJSONIs(t *testing.T) {
	for _, c := range []struct {
		doc string
		ok  bool
	}{
		{`{"a": [1, -2.5e+3, "x\u00e9\n", true, false, null, {}], "b": {"c": []}}`, true},
		{` "plain" `, true},
		{`0`, true},
		{`{"a": 1,}`, false},
		{`[1 2]`, false},
		{`01`, false},
		{`"a` + "\x01" + `"`, false},
		{`"\x"`, false},
		{`{"a": 1}` + "\x00", false},
		{`{"a": 1} {}`, false},
		{`[` + strings.Repeat(`[`, MaxDepth+1) + strings.Repeat(`]`, MaxDepth+2), false},
		{``, false},
	} {
		r := New([]byte(c.doc))
		err := r.Skip()
		if ok := err == nil && r.AtEnd(); ok != c.ok {
			t.Errorf("%.40q: read %v (%v), want %v", c.doc, ok, err, c.ok)
		}
	}
}

func TestReaderStrings(t *testing.T) {
	for _, c := range []struct{ doc, want string }{
		{`"plain"`, "plain"},
		{`"esc\"aped\u0041"`, `esc"apedA`},
		{`"é"`, "é"},
		{"\"\xff\"", "\ufffd"}, // as encoding/json: invalid UTF-8 becomes U+FFFD
		{`null`, ""},
	} {
		got, err := New([]byte(c.doc)).Str()
		if err != nil || got != c.want {
			t.Errorf("%q: %q, %v; want %q", c.doc, got, err, c.want)
		}
	}
}

// FuzzReaderAgreesWithValid: the reader reads a document through exactly
// when encoding/json calls it valid (nesting within MaxDepth).
func FuzzReaderAgreesWithValid(f *testing.F) {
	for _, s := range []string{`{"a":[1,"b",null]}`, `[1e5, -0.5, "\u00e9"]`, `{"a":}`, `"x`, "{}\x00", `[[[]]]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		depth, deepest := 0, 0
		for _, c := range doc {
			switch c {
			case '[', '{':
				depth++
				deepest = max(deepest, depth)
			case ']', '}':
				depth--
			}
		}
		if deepest > MaxDepth {
			return
		}
		r := New(doc)
		err := r.Skip()
		if got, want := err == nil && r.AtEnd(), json.Valid(doc); got != want {
			t.Fatalf("%q: reader %v (%v), encoding/json %v", doc, got, err, want)
		}
	})
}

// unplainMask, the eight-byte test, finds the byte plainByte finds first:
// every byte value at every place among plain bytes, and next to another
// that is not plain (a borrow from one byte must not hide or fake the
// next).
func TestUnplainMaskAgreesWithPlainByte(t *testing.T) {
	fill := func(c byte) [8]byte { return [8]byte{c, c, c, c, c, c, c, c} }
	for _, around := range []byte{'a', ' ', '!', '#', '[', ']', 0x7f, 0x00, 0x1f, 0x80, 0xff} {
		for v := range 256 {
			for i := range 8 {
				w := fill(around)
				w[i] = byte(v)
				want := 8 // none
				for j, c := range w {
					if !plainByte[c] {
						want = j
						break
					}
				}
				got := 8
				if m := unplainMask(binary.LittleEndian.Uint64(w[:])); m != 0 {
					got = bits.TrailingZeros64(m) / 8
				}
				if got != want {
					t.Fatalf("bytes % x: unplainMask finds byte %d first, plainByte byte %d", w, got, want)
				}
			}
		}
	}
}
