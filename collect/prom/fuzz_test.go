package prom

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParseSelector: any key either fails to parse or parses to a selector
// whose canonical form parses back to itself.
func FuzzParseSelector(f *testing.F) {
	for _, s := range []string{
		"node_load1", `x{a="b",c!="d",e=~"f|g",h!~"i.*"}`, `{__name__="x"}`, "x{a=`raw`}",
		`x{a="esc\"aped\n"}`, `x{`, `x{a=~"("}`, ` x { a = "1" , } `, `ns:a:b`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sel, err := parseSelector(s)
		if err != nil {
			return
		}
		canon := sel.String()
		again, err := parseSelector(canon)
		if err != nil {
			t.Fatalf("%q parsed to %s, which does not parse: %v", s, canon, err)
		}
		if again.String() != canon {
			t.Fatalf("%q: %s then %s", s, canon, again)
		}
	})
}

// FuzzParseExposition feeds arbitrary bodies to the exposition parser and
// selects from what it accepts: no panics, and selections of a histogram
// give buckets only for it.
func FuzzParseExposition(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.txt"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err == nil && len(b) < 8<<10 {
			f.Add(b, `x{a="b"}`)
		}
	}
	f.Add([]byte("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_count 2\n"), "h")
	f.Add([]byte("x 1\nx 2\n"), "x")
	f.Fuzz(func(t *testing.T, body []byte, key string) {
		e, warnings, err := parseExposition(body)
		if err != nil {
			return
		}
		if len(warnings) > maxDuplicateWarnings+1 {
			t.Fatalf("%d warnings", len(warnings))
		}
		sel, err := parseSelector(key)
		if err != nil {
			return
		}
		got := e.sel(sel)
		if got.buckets != nil && got.typ != "" && !strings.Contains(got.typ, "histogram") {
			t.Fatalf("buckets for a %s", got.typ)
		}
		for le := range got.buckets {
			if math.IsNaN(le) {
				t.Fatal("NaN bucket bound")
			}
		}
	})
}

// FuzzParsePromQLReply: any body gives a result or an error, never a
// panic, and a result is consistent.
func FuzzParsePromQLReply(f *testing.F) {
	for _, s := range []string{
		vectorReply("1", "2.5"), vectorReply("NaN"), vectorReply(),
		`{"status":"success","data":{"resultType":"scalar","result":[1,"7"]}}`,
		`{"status":"success","data":{"resultType":"matrix","result":[]}}`,
		`{"status":"error","errorType":"bad_data","error":"x"}`,
		`{"status":"success","warnings":["w"],"data":{"resultType":"vector","result":[{"value":[1,"4"]}]}}`,
		`{"status":"success","data":{"resultType":"vector","result":[{"value":[1,4]}]}}`,
		`{"status":"success","data":null}`, `[]`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		res, err := ParsePromQLReply(body)
		if err != nil {
			return
		}
		switch {
		case res.Err != nil && (res.Series != 0 || res.Value != 0):
			t.Fatalf("error reply with data: %+v", res)
		case res.Unusable != "" && res.Series != -1:
			t.Fatalf("unusable with %d series", res.Series)
		case res.Series == 0 && res.Value != 0:
			t.Fatalf("no series but value %g", res.Value)
		}
	})
}

// FuzzPromQLReplyReader: the hand-written reply reader agrees with the
// encoding/json one it replaced. Whatever it accepts, the reference
// accepts with the same result and the same samples (it may refuse more:
// keys in another case, which encoding/json folds, and values nested past
// 512 levels).
func FuzzPromQLReplyReader(f *testing.F) {
	for _, s := range []string{
		vectorReply("1", "2.5"), vectorReply("NaN"), vectorReply(),
		`{"status":"success","data":{"resultType":"scalar","result":[1,"7"]}}`,
		`{"data":{"result":[{"metric":{"a":"\u00e9\n","a":"x"},"value":[1,"4"],"histogram":{}}],"resultType":"vector"},"status":"success"}`,
		`{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"x","instance":"a"},"value":[1.5e3,"-Inf"]},null]}}`,
		`{"status":"error","errorType":"bad_data","error":"x","data":5}`,
		`{"status":"success","warnings":["w",null],"data":{"resultType":"vector","result":[{"value":[1,"4"]}]}}`,
		`{"status":"success","data":{"resultType":"vector","result":[{"value":[1,4]}]}}`,
		`{"status":"success","data":null}`, `{"status":"success"}`, `[]`, ``, `{"status":"success","data":{}} x`,
		vectorReply("1") + "\x00", // a NUL after the reply is data after it, not its end
		`{"status":"success","data":{"resultType":"vector","result":[],"resultType":"matrix"}}`,
		`{"data":{"result":[{"value":[1,"2"]}],"resultType":"vector"},"status":"success","status":"error"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		type got struct {
			labels string
			v      float64
		}
		var fast, ref []got
		res, err := readPromQLReply(body, func(l promLabels, v float64) {
			fast = append(fast, got{fmt.Sprint(l.Get("a")), v})
		})
		want, wantErr := referencePromQLReply(body, func(m map[string]string, v float64) {
			a, ok := m["a"]
			ref = append(ref, got{fmt.Sprint(a, ok), v})
		})
		if err != nil || caseFolded(body) {
			return
		}
		if wantErr != nil {
			t.Fatalf("accepted what encoding/json refuses (%v): %+v", wantErr, res)
		}
		same := func(a, b float64) bool { return a == b || a != a && b != b }
		if !same(res.Value, want.Value) || res.Series != want.Series || res.Unusable != want.Unusable ||
			fmt.Sprint(res.Err) != fmt.Sprint(want.Err) || fmt.Sprint(res.Warnings) != fmt.Sprint(want.Warnings) || len(fast) != len(ref) {
			t.Fatalf("reader %+v (%d samples), reference %+v (%d samples)", res, len(fast), want, len(ref))
		}
		for i := range fast {
			if fast[i].labels != ref[i].labels || !same(fast[i].v, ref[i].v) {
				t.Fatalf("sample %d: reader %+v, reference %+v", i, fast[i], ref[i])
			}
		}
	})
}

// caseFolded says body has a key of the API in another case, which
// encoding/json takes for the key and the reader does not.
func caseFolded(body []byte) bool {
	lower := strings.ToLower(string(body))
	for _, k := range []string{"status", "errorType", "error", "warnings", "data", "resultType", "result", "metric", "value"} {
		if strings.Count(lower, `"`+strings.ToLower(k)+`"`) > strings.Count(string(body), `"`+k+`"`) {
			return true
		}
	}
	return false
}
