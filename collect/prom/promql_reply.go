package prom

import (
	"fmt"
	"strconv"

	"github.com/traffic-grapher/traffic_grapher/collect"
	"github.com/traffic-grapher/traffic_grapher/collect/jsonread"
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

// pair reads a sample's [time, "value"] (null is no pair).
func pair(r *jsonread.Reader) (v float64, n int, err error) {
	if !r.NotNull() {
		return 0, 0, nil
	}
	var text string
	err = r.Array(func() error {
		n++
		if n != 2 {
			return r.Skip()
		}
		if c := r.Peek(); c != '"' && c != 'n' {
			value, err := r.Span()
			if err != nil {
				return err
			}
			return fmt.Errorf("sample value is not a string: %s", collect.Excerpt(value))
		}
		var err error
		text, err = r.Str()
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
	r := jsonread.New(body)
	var status, errorType, errText string
	var warnings []string
	var data []byte
	var res PromQLResult
	read := false // data read as it came
	err := r.Object(func(key []byte) error {
		var err error
		switch string(key) {
		case "status":
			status, err = r.Str()
		case "errorType":
			errorType, err = r.Str()
		case "error":
			errText, err = r.Str()
		case "warnings":
			warnings = nil
			if r.NotNull() {
				err = r.Array(func() error {
					w, err := r.Str()
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
				data, err = r.Span()
			}
		default:
			err = r.Skip()
		}
		return err
	})
	if err == nil && !r.AtEnd() {
		err = r.Fail("data after the reply")
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
			return PromQLResult{}, fmt.Errorf("data: %w", jsonread.ErrTruncated)
		}
		res = PromQLResult{}
		if err := readPromQLData(jsonread.New(data), &res, each); err != nil {
			return PromQLResult{}, err
		}
	}
	res.Warnings = warnings
	return res, nil
}

// readPromQLData reads the data object of a successful reply into res.
func readPromQLData(d *jsonread.Reader, res *PromQLResult, each func(labels promLabels, v float64)) error {
	var resultType string
	var result []byte
	read := false // result read as it came
	if d.NotNull() {
		err := d.Object(func(key []byte) error {
			var err error
			switch string(key) {
			case "resultType":
				before := resultType
				resultType, err = d.Str()
				if err == nil && read && resultType != before {
					err = d.Fail("a second resultType, after the result")
				}
			case "result":
				if resultType != "" {
					read, *res = true, PromQLResult{}
					err = readPromQLResult(d, resultType, res, each)
				} else {
					read = false
					result, err = d.Span()
				}
			default:
				err = d.Skip()
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
			return fmt.Errorf("%s: %w", resultType, jsonread.ErrTruncated)
		}
		result = []byte("null")
	}
	return readPromQLResult(jsonread.New(result), resultType, res, each)
}

// readPromQLResult reads a result of type resultType into res.
func readPromQLResult(rr *jsonread.Reader, resultType string, res *PromQLResult, each func(labels promLabels, v float64)) error {
	switch resultType {
	case "vector":
		if !rr.NotNull() {
			return nil
		}
		var labels promLabels
		err := rr.Array(func() error {
			labels = labels[:0]
			var v float64
			n := 0
			if !rr.NotNull() {
				return fmt.Errorf("sample has 0 elements, want [time, value]")
			}
			err := rr.Object(func(key []byte) error {
				switch string(key) {
				case "metric": // a second one adds to the first, as in encoding/json
					if !rr.NotNull() {
						return nil
					}
					return rr.Object(func(name []byte) error {
						value, err := rr.Bytes()
						labels = append(labels, name, value)
						return err
					})
				case "value":
					var err error
					v, n, err = pair(rr)
					return err
				}
				return rr.Skip()
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
		v, n, err := pair(rr)
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
		return rr.Skip()
	case "string":
		res.Series = -1
		res.Unusable = "a string, not a number"
		return rr.Skip()
	default:
		return fmt.Errorf("unknown resultType %q", collect.Sanitize(resultType, 20))
	}
	return nil
}
