package prom

import "encoding/json"

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

// ParsePromQLReply decodes a reply of /api/v1/query. err means the body
// is not such a reply at all; the server's own errors are in collect.Result.Err.
func ParsePromQLReply(body []byte) (PromQLResult, error) { return ParsePromQLReplyBy(body, "") }

// ParsePromQLReplyBy is ParsePromQLReply that also sums a vector's samples
// per value of label (PromQLResult.ByLabel), for a key with a label
// wildcard; "" is ParsePromQLReply.
func ParsePromQLReplyBy(body []byte, label string) (PromQLResult, error) {
	byLabel, each := sumsByLabel(label)
	res, err := readPromQLReply(body, each)
	if err == nil && res.Err == nil && res.Unusable == "" {
		res.ByLabel = byLabel
	}
	return res, err
}

// sumsByLabel is a sum per value of label ("" for samples without it) and
// the function that adds a sample to it; both nil for label "".
func sumsByLabel(label string) (map[string]float64, func(promLabels, float64)) {
	if label == "" {
		return nil, nil
	}
	sums := map[string]float64{}
	return sums, func(l promLabels, v float64) {
		h, _ := l.Value(label)
		sums[string(h)] += v
	}
}
