package stats

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/traffic-grapher/traffic_grapher/collect"
	"github.com/traffic-grapher/traffic_grapher/collect/trafficctl"

	"github.com/traffic-grapher/traffic_grapher/metrics"
)

// ParseStatsReply reads the plugin's JSON for the records keys: values of
// the requested records (a key missing under its own name is looked for
// under its trafficctl.RecordAliases, so 9.x's *_stat names answer for 10.x's), and
// warnings for requested records that are missing ("record not found: K")
// or not numbers ("not a number: K = ..."), plus one if the body was not
// valid JSON and was read line by line. err describes a body that is not
// the plugin's JSON at all; it carries a sanitized excerpt.
func ParseStatsReply(body []byte, keys []string) (map[string]metrics.Sample, []string, error) {
	recs, warning, err := parseStatsRecords(body)
	if err != nil {
		return nil, nil, err
	}
	want := collect.WantedKeys(keys)
	values := make(map[string]metrics.Sample, len(keys))
	var warnings []string
	if warning != "" {
		warnings = append(warnings, warning)
	}
	if len(want.Patterns()) > 0 {
		// Every record that matches a pattern; one that is not a number
		// (a plugin's string) is left out without a word: it was not
		// asked for by name.
		for n, v := range recs {
			if want.Matches(n) {
				if sample, ok := trafficctl.ParseTrafficCtlValue(v); ok {
					values[n] = sample
				}
			}
		}
	}
key:
	for _, k := range want.Exact() {
		for _, n := range append([]string{k}, trafficctl.RecordAliases(k)...) {
			v, ok := recs[n]
			if !ok {
				continue
			}
			sample, ok := trafficctl.ParseTrafficCtlValue(v)
			if !ok {
				warnings = append(warnings, fmt.Sprintf("not a number: %s = %q", collect.Sanitize(k, 120), collect.Sanitize(v, 40)))
				continue key
			}
			values[k] = sample
			continue key
		}
		warnings = append(warnings, "record not found: "+collect.Sanitize(k, 120))
	}
	discountOwnPoll(recs, values)
	return values, warnings, nil
}

// OwnPollGauges are the gauges an ATS 10 counts the plugin's own request
// in while it writes its reply: idle, the JSON says 1 where traffic_ctl
// and JSON-RPC say 0 (9.x's reply does not count it). Its Prometheus forms
// (10.1 on) count it too.
var OwnPollGauges = []string{
	"proxy.process.http.current_client_connections",
	"proxy.process.http.current_active_client_connections",
	"proxy.process.http.current_client_transactions",
	"proxy.process.http.current_server_connections",
	"proxy.process.http.current_server_transactions",
	"proxy.process.net.connections_currently_open",
}

// discountOwnPoll takes the poll itself out of those gauges, so the
// connection panels read the same through stats_over_http as through
// JSON-RPC. The reply says its server's version.
func discountOwnPoll(recs map[string]string, values map[string]metrics.Sample) {
	major, _, _ := strings.Cut(recs["proxy.process.version.server.short"], ".")
	if n, err := strconv.Atoi(major); err != nil || n < 10 {
		return
	}
	DiscountOwnPoll(values)
}

// DiscountOwnPoll takes the plugin's own request out of OwnPollGauges
// (those present, and at least 1).
func DiscountOwnPoll(values map[string]metrics.Sample) {
	for _, k := range OwnPollGauges {
		if s, ok := values[k]; ok && s.Value >= 1 {
			s.Value--
			values[k] = s
		}
	}
}

// parseStatsRecords returns every record of the "global" object. A body
// that is the plugin's but not valid JSON (an unescaped STRING value) is
// read line by line instead, and warning says so.
func parseStatsRecords(body []byte) (recs map[string]string, warning string, err error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return nil, "", errors.New("empty reply")
	}
	if trimmed[0] != '{' {
		return nil, "", fmt.Errorf("expected a JSON object, got %s", collect.Excerpt(trimmed))
	}
	recs, err = decodeStats(trimmed)
	if err == io.EOF {
		err = io.ErrUnexpectedEOF // the body ended inside the object
	}
	if err == nil {
		return recs, "", nil
	}
	var syn *json.SyntaxError
	if errors.As(err, &syn) && looksLikePluginBody(trimmed) {
		if recs, ok := scanStatsLines(trimmed); ok {
			return recs, fmt.Sprintf("reply is not valid JSON (%s); read it line by line", collect.DescribeJSONError(err)), nil
		}
	}
	return nil, "", fmt.Errorf("%s in %s", collect.DescribeJSONError(err), collect.Excerpt(trimmed))
}

// decodeStats decodes {"global": {name: value, ...}, ...} with a streaming
// decoder, keeping each record's value as text (see rawStatsText): a
// number's literal stays as written ("0.048000"), for the Float rule.
// Other top-level members are skipped.
func decodeStats(body []byte) (map[string]string, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := expectDelim(dec, '{'); err != nil {
		return nil, err
	}
	var recs map[string]string
	for dec.More() {
		name, err := decodeKey(dec)
		if err != nil {
			return nil, err
		}
		if name != "global" {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, err
			}
			continue
		}
		if err := expectDelim(dec, '{'); err != nil {
			return nil, fmt.Errorf(`"global" is not an object: %w`, err)
		}
		recs = make(map[string]string, 1024)
		for dec.More() {
			rec, err := decodeKey(dec)
			if err != nil {
				return nil, err
			}
			var raw json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return nil, err
			}
			recs[rec] = rawStatsText(raw)
		}
		if err := expectDelim(dec, '}'); err != nil {
			return nil, err
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		if err == nil {
			return nil, &json.SyntaxError{Offset: dec.InputOffset()}
		}
		return nil, err
	}
	if recs == nil {
		return nil, errors.New(`no "global" object`)
	}
	return recs, nil
}

// rawStatsText is a value's text: a string's content, else the JSON as
// written (a number from --integer-counters, or something no number).
func rawStatsText(raw json.RawMessage) string {
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
	}
	return string(raw)
}

func decodeKey(dec *json.Decoder) (string, error) {
	tok, err := dec.Token()
	if err != nil {
		return "", err
	}
	s, ok := tok.(string)
	if !ok {
		return "", fmt.Errorf("expected a member name, got %v", tok)
	}
	return s, nil
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			return io.ErrUnexpectedEOF
		}
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("expected %q, got %s", string(want), collect.Sanitize(fmt.Sprint(tok), 40))
	}
	return nil
}

// looksLikePluginBody tells the plugin's own output, which the line
// scanner can read, from other JSON or a truncated body: it starts with
// the plugin's `{ "global": {` and ends with its two closing braces.
func looksLikePluginBody(b []byte) bool {
	head := strings.Join(strings.Fields(string(b[:min(len(b), 32)])), "")
	tail := strings.Join(strings.Fields(string(b[max(0, len(b)-16):])), "")
	return strings.HasPrefix(head, `{"global":{`) && strings.HasSuffix(tail, "}}")
}

// scanStatsLines reads the plugin's one-record-per-line output without a
// JSON parser: `"name": "value",` (the value runs to the line's last
// quote) or `"name": value,`. ok is false if no line is a record.
func scanStatsLines(b []byte) (map[string]string, bool) {
	recs := make(map[string]string, 1024)
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, `"`) {
			continue
		}
		name, rest, ok := strings.Cut(line[1:], `": `)
		if !ok || name == "" || strings.ContainsAny(name, `"\`) {
			continue
		}
		rest = strings.TrimSuffix(strings.TrimSpace(rest), ",")
		if strings.HasPrefix(rest, `"`) {
			if len(rest) < 2 || !strings.HasSuffix(rest, `"`) {
				continue
			}
			recs[name] = rest[1 : len(rest)-1]
			continue
		}
		if name == "global" {
			continue
		}
		recs[name] = rest
	}
	return recs, len(recs) > 0
}
