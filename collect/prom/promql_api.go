package prom

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/traffic-grapher/traffic_grapher/collect"
)

// PromQLError is an error Prometheus's API answered for a query:
// {"status":"error","errorType":"bad_data","error":"1:5: parse error: ..."}.
type PromQLError struct {
	Query   string // the dashboard key
	Type    string // errorType: bad_data, execution, timeout, canceled, internal, unavailable
	Message string
}

func (e *PromQLError) Error() string {
	s := "Prometheus " + e.Type + ": " + e.Message
	if e.Query != "" {
		s = e.Query + ": " + s
	}
	return s
}

// PromQLResult is one /api/v1/query reply, reduced to what a panel can
// draw.
type PromQLResult struct {
	// Value is the scalar, or the sum of the vector's samples (NaN if any
	// is NaN, as PromQL's sum).
	Value float64
	// Series counts the vector's samples (1 for a scalar); 0 is "no data".
	Series int
	// Unusable says why a successful answer cannot be drawn (a range
	// vector, a string); "" if it can.
	Unusable string
	// Warnings are the server's own warnings about the query.
	Warnings []string
	// Err is set when the server answered status "error".
	Err *PromQLError
	// ByLabel is, for ParsePromQLReplyBy, the vector's sum per value of
	// the label ("" for samples without it).
	ByLabel map[string]float64
}

// promAPIReply is the envelope of every Prometheus API answer.
type promAPIReply struct {
	Status    string          `json:"status"`
	Data      json.RawMessage `json:"data"`
	ErrorType string          `json:"errorType"`
	Error     string          `json:"error"`
	Warnings  []string        `json:"warnings"`
}

type promQueryData struct {
	ResultType string          `json:"resultType"`
	Result     json.RawMessage `json:"result"`
}

// promVectorSample is one element of a vector result; Value is
// [unix seconds, "value as text"].
type promVectorSample struct {
	Metric map[string]string `json:"metric"`
	Value  []json.RawMessage `json:"value"`
}

// ParsePromQLReply decodes a reply of /api/v1/query. err means the body
// is not such a reply at all; the server's own errors are in collect.Result.Err.
func ParsePromQLReply(body []byte) (PromQLResult, error) { return ParsePromQLReplyBy(body, "") }

// ParsePromQLReplyBy is ParsePromQLReply that also sums a vector's samples
// per value of label (PromQLResult.ByLabel), for a key with a label
// wildcard; "" is ParsePromQLReply.
func ParsePromQLReplyBy(body []byte, label string) (PromQLResult, error) {
	var byLabel map[string]float64
	var each func(map[string]string, float64)
	if label != "" {
		byLabel = map[string]float64{}
		each = func(m map[string]string, v float64) { byLabel[m[label]] += v }
	}
	res, err := parsePromQLReplyEach(body, each)
	if err == nil && res.Err == nil && res.Unusable == "" {
		res.ByLabel = byLabel
	}
	return res, err
}

// parsePromQLReplyEach decodes a reply of /api/v1/query, calling each (if
// not nil) with every sample of a vector answer: the one reading of the
// API's envelope, for every way of splitting an answer.
func parsePromQLReplyEach(body []byte, each func(metric map[string]string, v float64)) (PromQLResult, error) {
	var r promAPIReply
	if err := json.Unmarshal(body, &r); err != nil {
		return PromQLResult{}, errors.New(collect.DescribeJSONError(err))
	}
	res := PromQLResult{Warnings: r.Warnings}
	switch r.Status {
	case "success":
	case "error":
		t := r.ErrorType
		if t == "" {
			t = "error"
		}
		res.Err = &PromQLError{Type: collect.Sanitize(t, 40), Message: collect.Sanitize(r.Error, 240)}
		return res, nil
	default:
		return PromQLResult{}, fmt.Errorf("status %q, want success or error", collect.Sanitize(r.Status, 20))
	}
	var d promQueryData
	if err := json.Unmarshal(r.Data, &d); err != nil {
		return PromQLResult{}, fmt.Errorf("data: %s", collect.DescribeJSONError(err))
	}
	switch d.ResultType {
	case "vector":
		var samples []promVectorSample
		if err := json.Unmarshal(d.Result, &samples); err != nil {
			return PromQLResult{}, fmt.Errorf("vector: %s", collect.DescribeJSONError(err))
		}
		for _, smp := range samples {
			v, err := promPairValue(smp.Value)
			if err != nil {
				return PromQLResult{}, fmt.Errorf("vector: %v", err)
			}
			res.Value += v
			res.Series++
			if each != nil {
				each(smp.Metric, v)
			}
		}
	case "scalar":
		var pair []json.RawMessage
		if err := json.Unmarshal(d.Result, &pair); err != nil {
			return PromQLResult{}, fmt.Errorf("scalar: %s", collect.DescribeJSONError(err))
		}
		v, err := promPairValue(pair)
		if err != nil {
			return PromQLResult{}, fmt.Errorf("scalar: %v", err)
		}
		res.Value, res.Series = v, 1
	case "matrix":
		res.Series = -1 // not "no data": there is data, of the wrong kind
		res.Unusable = "a range vector, not a value; graph an instant query such as rate(x[1m])"
	case "string":
		res.Series = -1
		res.Unusable = "a string, not a number"
	default:
		return PromQLResult{}, fmt.Errorf("unknown resultType %q", collect.Sanitize(d.ResultType, 20))
	}
	return res, nil
}

// promPairValue reads the value of a [time, "value"] pair: a string, so
// that NaN and ±Inf survive JSON.
func promPairValue(pair []json.RawMessage) (float64, error) {
	if len(pair) != 2 {
		return 0, fmt.Errorf("sample has %d elements, want [time, value]", len(pair))
	}
	var text string
	if err := json.Unmarshal(pair[1], &text); err != nil {
		return 0, fmt.Errorf("sample value is not a string: %s", collect.Excerpt(pair[1]))
	}
	v, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return 0, fmt.Errorf("sample value %q is not a number", collect.Sanitize(text, 40))
	}
	return v, nil
}
