package prom

import (
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
