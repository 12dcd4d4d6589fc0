// Package jsonread reads a JSON document once, in place, for the sources
// whose replies are large and read every second: a Prometheus query's
// series, a JSON-RPC lookup's records. encoding/json checks a document,
// then decodes it through reflection, field by field, metadata and all;
// a reader built on this takes what it needs and skips the rest, and
// strings without escapes are slices of the document. Each user checks
// itself against encoding/json with a differential fuzz test.
package jsonread

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/bits"
)

// MaxDepth bounds nesting in values that are skipped: deeper is an error.
const MaxDepth = 512

// Reader reads one JSON document in place.
type Reader struct {
	b   []byte
	pos int
}

// ErrTruncated is the error for a document that ends inside a value.
var ErrTruncated = errors.New("truncated JSON")

// New reads b.
func New(b []byte) *Reader { return &Reader{b: b} }

// Fail is an error at the reader's place: what was wanted there.
func (r *Reader) Fail(what string) error {
	if r.pos >= len(r.b) {
		return ErrTruncated
	}
	return fmt.Errorf("invalid JSON at byte %d (%s)", r.pos, what)
}

func (r *Reader) space() {
	for r.pos < len(r.b) && spaceByte[r.b[r.pos]] {
		r.pos++
	}
}

// spaceByte marks JSON's white space.
var spaceByte = [256]bool{' ': true, '\t': true, '\n': true, '\r': true}

// Peek is the next byte after white space, 0 at the end.
func (r *Reader) Peek() byte {
	r.space()
	if r.pos >= len(r.b) {
		return 0
	}
	return r.b[r.pos]
}

// Expect reads the byte c, after white space.
func (r *Reader) Expect(c byte) error {
	if r.Peek() != c {
		return r.Fail(fmt.Sprintf("want %q", c))
	}
	r.pos++
	return nil
}

// Literal reads true, false or null.
func (r *Reader) Literal(word string) bool {
	if len(r.b)-r.pos >= len(word) && string(r.b[r.pos:r.pos+len(word)]) == word {
		r.pos += len(word)
		return true
	}
	return false
}

// Str reads a string (null reads as "").
func (r *Reader) Str() (string, error) {
	b, err := r.Bytes()
	return string(b), err
}

// Bytes reads a string (null reads as empty): a slice of the body when it
// has no escapes and is ASCII, else as encoding/json decodes it.
func (r *Reader) Bytes() ([]byte, error) {
	switch c := r.Peek(); {
	case c == 'n' && r.Literal("null"):
		return nil, nil
	case c != '"':
		return nil, r.Fail("want a string")
	}
	return r.str()
}

// str reads the string the reader is at (at its opening quote), as Bytes.
func (r *Reader) str() ([]byte, error) {
	start := r.pos
	r.pos++
	plain := true
	for r.pos < len(r.b) {
		// Most of a string, eight bytes at a time, up to the first byte
		// that is not plain; a byte at a time only in the last seven.
		for r.pos+8 <= len(r.b) {
			if m := unplainMask(binary.LittleEndian.Uint64(r.b[r.pos:])); m != 0 {
				r.pos += bits.TrailingZeros64(m) / 8
				break
			}
			r.pos += 8
		}
		for r.pos < len(r.b) && plainByte[r.b[r.pos]] {
			r.pos++
		}
		if r.pos >= len(r.b) {
			break
		}
		c := r.b[r.pos]
		switch {
		case c == '"':
			r.pos++
			if plain {
				return r.b[start+1 : r.pos-1 : r.pos-1], nil
			}
			var s string
			if err := json.Unmarshal(r.b[start:r.pos], &s); err != nil {
				r.pos = start
				return nil, r.Fail("bad string")
			}
			return []byte(s), nil
		case c == '\\':
			plain = false
			r.pos += 2
			continue
		case c < 0x20:
			return nil, r.Fail("control character in a string")
		case c >= 0x80:
			plain = false
		}
		r.pos++
	}
	return nil, ErrTruncated
}

// unplainMask marks the bytes of x (eight, the first lowest) that are not
// plain (see plainByte): a quote, a backslash, a control character or a
// byte of 0x80 and above. Its lowest set bit is the high bit of the first
// such byte; bits above that may be set wrongly. (v - 0x01…) & ^v & 0x80…
// marks the first zero byte of v exactly (Hacker's Delight 6-1): a borrow
// only runs from a byte that is zero (or below 0x20, with 0x20… in place
// of 0x01…) to those after it.
func unplainMask(x uint64) uint64 {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	zero := func(v uint64) uint64 { return (v - ones) & ^v & highs }
	below20 := (x - 0x20*ones) & ^x & highs
	return below20 | zero(x^('"'*ones)) | zero(x^('\\'*ones)) | x&highs
}

// plainByte marks the bytes a string holds as they are: not its end, an
// escape, a control character or part of a character outside ASCII.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// Span reads any value and returns its bytes.
func (r *Reader) Span() ([]byte, error) {
	r.space()
	start := r.pos
	if err := r.skip(0); err != nil {
		return nil, err
	}
	return r.b[start:r.pos], nil
}

// Skip reads any value.
func (r *Reader) Skip() error { return r.skip(0) }

func (r *Reader) skip(depth int) error {
	if depth > MaxDepth {
		return r.Fail("nested too deeply")
	}
	switch c := r.Peek(); {
	case c == '"':
		_, err := r.str() // in place: nothing is made but for escapes
		return err
	case c == '{':
		return r.Object(func([]byte) error { return r.skip(depth + 1) })
	case c == '[':
		return r.Array(func() error { return r.skip(depth + 1) })
	case c == 't' && r.Literal("true"), c == 'f' && r.Literal("false"), c == 'n' && r.Literal("null"):
		return nil
	case c == '-' || c >= '0' && c <= '9':
		return r.number()
	}
	return r.Fail("want a value")
}

// number reads a JSON number (its grammar only; nothing needs its value).
func (r *Reader) number() error {
	digits := func() int {
		n := 0
		for r.pos < len(r.b) && r.b[r.pos] >= '0' && r.b[r.pos] <= '9' {
			r.pos++
			n++
		}
		return n
	}
	if r.b[r.pos] == '-' {
		r.pos++
	}
	if r.pos < len(r.b) && r.b[r.pos] == '0' {
		r.pos++
	} else if digits() == 0 {
		return r.Fail("bad number")
	}
	if r.pos < len(r.b) && r.b[r.pos] == '.' {
		r.pos++
		if digits() == 0 {
			return r.Fail("bad number")
		}
	}
	if r.pos < len(r.b) && (r.b[r.pos] == 'e' || r.b[r.pos] == 'E') {
		r.pos++
		if r.pos < len(r.b) && (r.b[r.pos] == '+' || r.b[r.pos] == '-') {
			r.pos++
		}
		if digits() == 0 {
			return r.Fail("bad number")
		}
	}
	return nil
}

// Object reads {"key": value, ...}, calling field for each key with the
// reader at its value, which field must read.
func (r *Reader) Object(field func(key []byte) error) error {
	if err := r.Expect('{'); err != nil {
		return err
	}
	if r.Peek() == '}' {
		r.pos++
		return nil
	}
	for {
		if r.Peek() != '"' {
			return r.Fail("want a key")
		}
		key, err := r.str()
		if err != nil {
			return err
		}
		if err := r.Expect(':'); err != nil {
			return err
		}
		if err := field(key); err != nil {
			return err
		}
		switch r.Peek() {
		case ',':
			r.pos++
		case '}':
			r.pos++
			return nil
		default:
			return r.Fail("want , or }")
		}
	}
}

// Array reads [value, ...], calling elem with the reader at each.
func (r *Reader) Array(elem func() error) error {
	if err := r.Expect('['); err != nil {
		return err
	}
	if r.Peek() == ']' {
		r.pos++
		return nil
	}
	for {
		if err := elem(); err != nil {
			return err
		}
		switch r.Peek() {
		case ',':
			r.pos++
		case ']':
			r.pos++
			return nil
		default:
			return r.Fail("want , or ]")
		}
	}
}

// NotNull reads null (false), or leaves the reader at another value (true).
func (r *Reader) NotNull() bool {
	if r.Peek() == 'n' && r.Literal("null") {
		return false
	}
	return true
}

// AtEnd says whether only white space is left (Peek's 0 is also a NUL
// byte).
func (r *Reader) AtEnd() bool {
	r.space()
	return r.pos >= len(r.b)
}
