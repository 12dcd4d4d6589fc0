package stats

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func FuzzParseStats(f *testing.F) {
	f.Add(statsFixture(f, "stats_full_before.json"), ctlIncoming)
	f.Add(statsBody(`"a.b": "1.5"`, `"c": 2`), "a.b")
	f.Add(statsBody(`"a.b": "x"y"`, `"c.d": "2"`), "c.d")
	f.Add([]byte(`{"global": {"a": {"b": []}}}`), "a")
	f.Add([]byte(`{"global": {"proxy.process.http.err_connect_fail_count_stat": "3"}}`), ctlConnFail)
	f.Add([]byte("\x1b]0;x\x07"), "a")
	f.Fuzz(func(t *testing.T, body []byte, key string) {
		values, warnings, err := ParseStatsReply(body, []string{key, ctlIncoming})
		if err != nil {
			if values != nil || warnings != nil {
				t.Fatal("values or warnings with an error")
			}
			if strings.ContainsAny(err.Error(), "\x1b\n\r") {
				t.Fatalf("unsanitized error %q", err)
			}
			return
		}
		for k, v := range values {
			if k != key && k != ctlIncoming {
				t.Fatalf("value for unrequested %q", k)
			}
			if math.IsNaN(v.Value) || math.IsInf(v.Value, 0) {
				t.Fatalf("%s = %v", k, v.Value)
			}
		}
		for _, w := range warnings {
			if strings.ContainsAny(w, "\x1b\n\r") {
				t.Fatalf("unsanitized warning %q", w)
			}
		}
		// Valid JSON of the right shape must never need the line scanner.
		if json.Valid(body) {
			for _, w := range warnings {
				if strings.Contains(w, "line by line") {
					t.Fatalf("valid JSON read line by line: %q", w)
				}
			}
		}
	})
}
