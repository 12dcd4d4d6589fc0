package prom

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/traffic-grapher/traffic_grapher/collect"
)

// referencePromQLReply is the reply reader as it was written with
// encoding/json: the oracle readPromQLReply is fuzzed against.
func referencePromQLReply(body []byte, each func(map[string]string, float64)) (PromQLResult, error) {
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
		res.Series = -1
		res.Unusable = "a range vector, not a value; graph an instant query such as rate(x[1m])"
	case "string":
		res.Series = -1
		res.Unusable = "a string, not a number"
	default:
		return PromQLResult{}, fmt.Errorf("unknown resultType %q", collect.Sanitize(d.ResultType, 20))
	}
	return res, nil
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
