package jsonrpc

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// capture is one recorded request/reply exchange with a real ATS 10.2.
type capture struct {
	name     string
	request  []byte // may be nil (traffic_ctl --format json output)
	response []byte // "" when the server sent nothing
}

// sharedCaptureDir is the shared samples directory relative to this package.
var sharedCaptureDir = filepath.Join("..", "..", "..", "shared", "samples", "ats10")

// localCaptureDir holds the copies committed with the package.
var localCaptureDir = filepath.Join("testdata", "ats10")

// loadCaptures reads every capture in dir: *.json files (request_raw /
// response_raw, counters_moving's response_raw_after, split_write's
// responses_by_delay_s) and the JSON exchanges in traffic_ctl_metric_get.txt.
func loadCaptures(t testing.TB, dir string) []capture {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("reading captures: %v", err)
	}
	var out []capture
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		switch filepath.Ext(e.Name()) {
		case ".json":
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			var raw struct {
				RequestRaw       *string           `json:"request_raw"`
				ResponseRaw      *string           `json:"response_raw"`
				ResponseRawAfter *string           `json:"response_raw_after"`
				ByDelay          map[string]string `json:"responses_by_delay_s"`
			}
			if err := json.Unmarshal(b, &raw); err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			if raw.RequestRaw == nil {
				t.Fatalf("%s: no request_raw", p)
			}
			c := capture{name: e.Name(), request: []byte(*raw.RequestRaw)}
			switch {
			case raw.ResponseRaw != nil:
				c.response = []byte(*raw.ResponseRaw)
				out = append(out, c)
			case raw.ResponseRawAfter != nil:
				c.response = []byte(*raw.ResponseRawAfter)
				out = append(out, c)
			case raw.ByDelay != nil:
				keys := make([]string, 0, len(raw.ByDelay))
				for k := range raw.ByDelay {
					keys = append(keys, k)
				}
				slices.Sort(keys)
				for _, k := range keys {
					out = append(out, capture{name: e.Name() + "#" + k, request: c.request, response: []byte(raw.ByDelay[k])})
				}
			default:
				t.Fatalf("%s: no response field", p)
			}
		case ".txt":
			f, err := os.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(f)
			sc.Buffer(nil, 1<<20)
			var req []byte
			n := 0
			for sc.Scan() {
				line := sc.Text()
				switch {
				case strings.HasPrefix(line, "--> "):
					req = []byte(strings.TrimPrefix(line, "--> "))
				case strings.HasPrefix(line, "<-- "):
					n++
					out = append(out, capture{name: e.Name() + "#rpc", request: req, response: []byte(strings.TrimPrefix(line, "<-- "))})
					req = nil
				case strings.HasPrefix(line, `{"jsonrpc"`):
					n++
					out = append(out, capture{name: e.Name() + "#json", response: []byte(line)})
				}
			}
			f.Close()
			if n == 0 {
				t.Fatalf("%s: no JSON exchange found", p)
			}
		}
	}
	return out
}

// requestedNames returns the record names a captured request asks for
// (record_name elements, or the names in a record_name_regex alternation)
// and its id as the server echoes it.
func requestedNames(t testing.TB, req []byte) (names []string, id string) {
	t.Helper()
	var obj map[string]json.RawMessage
	if json.Unmarshal(req, &obj) != nil {
		return nil, ""
	}
	if raw := obj["id"]; len(raw) > 0 {
		if err := json.Unmarshal(raw, &id); err != nil {
			id = string(raw) // numbers are echoed as strings
		}
	}
	var r struct {
		Params []json.RawMessage
	}
	if json.Unmarshal(obj["params"], &r.Params) != nil {
		return nil, id
	}
	for _, p := range r.Params {
		var e struct {
			Name  string `json:"record_name"`
			Regex string `json:"record_name_regex"`
		}
		if json.Unmarshal(p, &e) != nil {
			continue
		}
		if e.Name != "" {
			names = append(names, e.Name)
		}
		if e.Regex != "" {
			s := strings.TrimSuffix(strings.TrimPrefix(e.Regex, "^("), ")$")
			for _, n := range strings.Split(s, "|") {
				names = append(names, strings.ReplaceAll(n, `\`, ""))
			}
		}
	}
	return names, id
}

// captureDirs returns the directories to test: the local copies always,
// the shared originals too when present (beside a developer's checkout;
// a clean clone has only the copies).
func captureDirs(t *testing.T) []string {
	dirs := []string{localCaptureDir}
	if _, err := os.Stat(sharedCaptureDir); err != nil {
		t.Logf("skipping shared captures: %s not found (only testdata copies are checked)", sharedCaptureDir)
		return dirs
	}
	return append(dirs, sharedCaptureDir)
}
