package prom

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/traffic-grapher/traffic_grapher/collect"
)

// A hand-written reader of /api/v1/query replies. A fleet's records query
// answers with a series per record and host: for 100 hosts of the ATS
// pages, 17,700 series and 2 MB every second. encoding/json reads that
// three times (checking, then the envelope's raw data, then the result)
// and builds a map per series, which took most of the program's CPU; this
// reads it once, in place, and hands each series' labels over as slices
// of the body. FuzzPromQLReplyReader checks it against encoding/json.

// promLabels is a series' labels as name, value pairs, slices of the
// reply: valid only during the call they are given to.
type promLabels [][]byte

// Value is the value of label name (empty when absent, as in PromQL).
func (l promLabels) Value(name string) (value []byte, ok bool) {
	for i := 0; i+1 < len(l); i += 2 {
		if string(l[i]) == name {
			value, ok = l[i+1], true // the last of a repeated name, as encoding/json
		}
	}
	return value, ok
}

// Get is Value as a string of its own.
func (l promLabels) Get(name string) (string, bool) {
	v, ok := l.Value(name)
	return string(v), ok
}

// maxReplyDepth bounds nesting in values that are skipped.
const maxReplyDepth = 512

// replyReader reads one JSON document.
type replyReader struct {
	b   []byte
	pos int
}

var errTruncated = errors.New("truncated JSON")

func (r *replyReader) fail(what string) error {
	if r.pos >= len(r.b) {
		return errTruncated
	}
	return fmt.Errorf("invalid JSON at byte %d (%s)", r.pos, what)
}

func (r *replyReader) space() {
	for r.pos < len(r.b) {
		switch r.b[r.pos] {
		case ' ', '\t', '\n', '\r':
			r.pos++
		default:
			return
		}
	}
}

// peek is the next byte after white space, 0 at the end.
func (r *replyReader) peek() byte {
	r.space()
	if r.pos >= len(r.b) {
		return 0
	}
	return r.b[r.pos]
}

func (r *replyReader) expect(c byte) error {
	if r.peek() != c {
		return r.fail(fmt.Sprintf("want %q", c))
	}
	r.pos++
	return nil
}

// literal reads true, false or null.
func (r *replyReader) literal(word string) bool {
	if len(r.b)-r.pos >= len(word) && string(r.b[r.pos:r.pos+len(word)]) == word {
		r.pos += len(word)
		return true
	}
	return false
}

// str reads a string (null reads as "").
func (r *replyReader) str() (string, error) {
	b, err := r.bytes()
	return string(b), err
}

// bytes reads a string (null reads as empty): a slice of the body when it
// has no escapes and is ASCII, else as encoding/json decodes it.
func (r *replyReader) bytes() ([]byte, error) {
	if r.peek() == 'n' && r.literal("null") {
		return nil, nil
	}
	if r.peek() != '"' {
		return nil, r.fail("want a string")
	}
	start := r.pos
	r.pos++
	plain := true
	for r.pos < len(r.b) {
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
				return nil, r.fail("bad string")
			}
			return []byte(s), nil
		case c == '\\':
			plain = false
			r.pos += 2
			continue
		case c < 0x20:
			return nil, r.fail("control character in a string")
		case c >= 0x80:
			plain = false
		}
		r.pos++
	}
	return nil, errTruncated
}

// span reads any value and returns its bytes.
func (r *replyReader) span() ([]byte, error) {
	r.space()
	start := r.pos
	if err := r.skip(0); err != nil {
		return nil, err
	}
	return r.b[start:r.pos], nil
}

// skip reads any value.
func (r *replyReader) skip(depth int) error {
	if depth > maxReplyDepth {
		return r.fail("nested too deeply")
	}
	switch c := r.peek(); {
	case c == '"':
		_, err := r.bytes() // in place: nothing is made but for escapes
		return err
	case c == '{':
		return r.object(func([]byte) error { return r.skip(depth + 1) })
	case c == '[':
		return r.array(func() error { return r.skip(depth + 1) })
	case c == 't' && r.literal("true"), c == 'f' && r.literal("false"), c == 'n' && r.literal("null"):
		return nil
	case c == '-' || c >= '0' && c <= '9':
		return r.number()
	}
	return r.fail("want a value")
}

// number reads a JSON number (its grammar only; nothing needs its value).
func (r *replyReader) number() error {
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
		return r.fail("bad number")
	}
	if r.pos < len(r.b) && r.b[r.pos] == '.' {
		r.pos++
		if digits() == 0 {
			return r.fail("bad number")
		}
	}
	if r.pos < len(r.b) && (r.b[r.pos] == 'e' || r.b[r.pos] == 'E') {
		r.pos++
		if r.pos < len(r.b) && (r.b[r.pos] == '+' || r.b[r.pos] == '-') {
			r.pos++
		}
		if digits() == 0 {
			return r.fail("bad number")
		}
	}
	return nil
}

// object reads {"key": value, ...}, calling field for each key with the
// reader at its value, which field must read.
func (r *replyReader) object(field func(key []byte) error) error {
	if err := r.expect('{'); err != nil {
		return err
	}
	if r.peek() == '}' {
		r.pos++
		return nil
	}
	for {
		if r.peek() != '"' {
			return r.fail("want a key")
		}
		key, err := r.bytes()
		if err != nil {
			return err
		}
		if err := r.expect(':'); err != nil {
			return err
		}
		if err := field(key); err != nil {
			return err
		}
		switch r.peek() {
		case ',':
			r.pos++
		case '}':
			r.pos++
			return nil
		default:
			return r.fail("want , or }")
		}
	}
}

// array reads [value, ...], calling elem with the reader at each.
func (r *replyReader) array(elem func() error) error {
	if err := r.expect('['); err != nil {
		return err
	}
	if r.peek() == ']' {
		r.pos++
		return nil
	}
	for {
		if err := elem(); err != nil {
			return err
		}
		switch r.peek() {
		case ',':
			r.pos++
		case ']':
			r.pos++
			return nil
		default:
			return r.fail("want , or ]")
		}
	}
}

// nullOr reads null (false), or leaves the reader at another value (true).
func (r *replyReader) nullOr() bool {
	if r.peek() == 'n' && r.literal("null") {
		return false
	}
	return true
}

// pair reads a sample's [time, "value"] (null is no pair).
func (r *replyReader) pair() (v float64, n int, err error) {
	if !r.nullOr() {
		return 0, 0, nil
	}
	var text string
	err = r.array(func() error {
		n++
		if n != 2 {
			return r.skip(0)
		}
		if c := r.peek(); c != '"' && c != 'n' {
			start := r.pos
			if err := r.skip(0); err != nil {
				return err
			}
			return fmt.Errorf("sample value is not a string: %s", collect.Excerpt(r.b[start:r.pos]))
		}
		var err error
		text, err = r.str()
		return err
	})
	if err != nil {
		return 0, n, err
	}
	if n != 2 {
		return 0, n, fmt.Errorf("sample has %d elements, want [time, value]", n)
	}
	v, err = strconv.ParseFloat(text, 64)
	if err != nil {
		return 0, n, fmt.Errorf("sample value %q is not a number", collect.Sanitize(text, 40))
	}
	return v, n, nil
}

// readPromQLReply reads a reply of /api/v1/query, calling each (if not
// nil) with every sample of a vector answer. Its result is
// ParsePromQLReply's, as encoding/json read it, but for its error
// messages. Prometheus writes status before data and resultType before
// result, and then the reply is read in one pass, each sample as it comes;
// in another order, the part that came first is checked, then read once
// its meaning is known. On an error, each may have seen some samples.
func readPromQLReply(body []byte, each func(labels promLabels, v float64)) (PromQLResult, error) {
	r := &replyReader{b: body}
	var status, errorType, errText string
	var warnings []string
	var data []byte
	var res PromQLResult
	read := false // data read as it came
	err := r.object(func(key []byte) error {
		var err error
		switch string(key) {
		case "status":
			status, err = r.str()
		case "errorType":
			errorType, err = r.str()
		case "error":
			errText, err = r.str()
		case "warnings":
			warnings = nil
			if r.nullOr() {
				err = r.array(func() error {
					w, err := r.str()
					warnings = append(warnings, w)
					return err
				})
			}
		case "data":
			if status == "success" {
				read, res = true, PromQLResult{}
				err = readPromQLData(r, &res, each)
			} else {
				read = false
				data, err = r.span()
			}
		default:
			err = r.skip(0)
		}
		return err
	})
	if err == nil && r.peek() != 0 {
		err = r.fail("data after the reply")
	}
	if err != nil {
		return PromQLResult{}, err
	}
	switch status {
	case "success":
	case "error":
		if errorType == "" {
			errorType = "error"
		}
		return PromQLResult{Warnings: warnings, Err: &PromQLError{Type: collect.Sanitize(errorType, 40), Message: collect.Sanitize(errText, 240)}}, nil
	default:
		return PromQLResult{}, fmt.Errorf("status %q, want success or error", collect.Sanitize(status, 20))
	}
	if !read {
		if data == nil {
			return PromQLResult{}, fmt.Errorf("data: %w", errTruncated)
		}
		res = PromQLResult{}
		if err := readPromQLData(&replyReader{b: data}, &res, each); err != nil {
			return PromQLResult{}, err
		}
	}
	res.Warnings = warnings
	return res, nil
}

// readPromQLData reads the data object of a successful reply into res.
func readPromQLData(d *replyReader, res *PromQLResult, each func(labels promLabels, v float64)) error {
	var resultType string
	var result []byte
	read := false // result read as it came
	if d.nullOr() {
		err := d.object(func(key []byte) error {
			var err error
			switch string(key) {
			case "resultType":
				before := resultType
				resultType, err = d.str()
				if err == nil && read && resultType != before {
					err = d.fail("a second resultType, after the result")
				}
			case "result":
				if resultType != "" {
					read, *res = true, PromQLResult{}
					err = readPromQLResult(d, resultType, res, each)
				} else {
					read = false
					result, err = d.span()
				}
			default:
				err = d.skip(0)
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("data: %w", err)
		}
	}
	if read {
		return nil
	}
	*res = PromQLResult{}
	if result == nil {
		if resultType == "vector" || resultType == "scalar" {
			return fmt.Errorf("%s: %w", resultType, errTruncated)
		}
		result = []byte("null")
	}
	return readPromQLResult(&replyReader{b: result}, resultType, res, each)
}

// readPromQLResult reads a result of type resultType into res.
func readPromQLResult(rr *replyReader, resultType string, res *PromQLResult, each func(labels promLabels, v float64)) error {
	switch resultType {
	case "vector":
		if !rr.nullOr() {
			return nil
		}
		var labels promLabels
		err := rr.array(func() error {
			labels = labels[:0]
			var v float64
			n := 0
			if !rr.nullOr() {
				return fmt.Errorf("sample has 0 elements, want [time, value]")
			}
			err := rr.object(func(key []byte) error {
				switch string(key) {
				case "metric": // a second one adds to the first, as in encoding/json
					if !rr.nullOr() {
						return nil
					}
					return rr.object(func(name []byte) error {
						value, err := rr.bytes()
						labels = append(labels, name, value)
						return err
					})
				case "value":
					var err error
					v, n, err = rr.pair()
					return err
				}
				return rr.skip(0)
			})
			if err != nil {
				return err
			}
			if n != 2 {
				return fmt.Errorf("sample has %d elements, want [time, value]", n)
			}
			res.Value += v
			res.Series++
			if each != nil {
				each(labels, v)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("vector: %w", err)
		}
	case "scalar":
		v, n, err := rr.pair()
		if err == nil && n != 2 {
			err = fmt.Errorf("sample has %d elements, want [time, value]", n)
		}
		if err != nil {
			return fmt.Errorf("scalar: %w", err)
		}
		res.Value, res.Series = v, 1
	case "matrix":
		res.Series = -1 // not "no data": there is data, of the wrong kind
		res.Unusable = "a range vector, not a value; graph an instant query such as rate(x[1m])"
		return rr.skip(0)
	case "string":
		res.Series = -1
		res.Unusable = "a string, not a number"
		return rr.skip(0)
	default:
		return fmt.Errorf("unknown resultType %q", collect.Sanitize(resultType, 20))
	}
	return nil
}
