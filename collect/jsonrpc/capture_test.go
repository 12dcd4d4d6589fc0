package jsonrpc

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/traffic-grapher/traffic_grapher/internal/atscapture"
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

// loadCaptures reads every capture in dir (see atscapture.Load).
func loadCaptures(t testing.TB, dir string) []capture {
	t.Helper()
	exs, err := atscapture.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]capture, len(exs))
	for i, x := range exs {
		out[i] = capture{name: x.Name, request: x.Request, response: x.Response}
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
