package app

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// An export writes the derived series, as the screen derives them, for
// the span asked; CSV and JSON Lines say the same.
func TestExportCSVAndJSON(t *testing.T) {
	path := synthRecording(t, 10*time.Minute)
	var out, errb bytes.Buffer
	if status := run([]string{"export", "--from", "14:04", "--to", "+6m", path}, &out, &errb); status != 0 {
		t.Fatalf("status %d: %s", status, errb.String())
	}
	rows, err := csv.NewReader(&out).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0], ",") != "time,host,page,panel,metric,member,value,unit" {
		t.Fatalf("header %q", rows[0])
	}
	from, to := recStart.Add(4*time.Minute), recStart.Add(6*time.Minute)
	perHost := map[string]int{}
	for _, r := range rows[1:] {
		at, err := time.Parse(time.RFC3339Nano, r[0])
		if err != nil || at.Before(from) || at.After(to) {
			t.Fatalf("row %q: time outside %v to %v (%v)", r, from, to, err)
		}
		if r[2] != "Traffic & Cache" || r[3] != "Requests/sec" || r[4] != "Client" {
			continue
		}
		v, _ := strconv.ParseFloat(r[6], 64)
		want := map[string]float64{"edge1": 1000, "edge2": 2000}[r[1]]
		if v != want || r[7] != "per_second" {
			t.Errorf("row %q: want %v per_second", r, want)
		}
		if r[1] == "edge2" && !at.Before(recStart.Add(5*time.Minute)) && at.Before(recStart.Add(5*time.Minute+20*time.Second)) {
			t.Errorf("a point in edge2's outage: %q", r)
		}
		perHost[r[1]]++
	}
	// 121 seconds; edge2 was out for 20 of them, and a rate after a
	// reconnect starts from the third sample (as on the screen).
	if perHost["edge1"] != 121 || perHost["edge2"] != 99 {
		t.Errorf("points of requests/s per host %v, want edge1 121, edge2 99", perHost)
	}

	jpath := filepath.Join(t.TempDir(), "out.jsonl")
	if status := run([]string{"export", "--format", "json", "--from", "14:04", "--to", "14:06", "-o", jpath, path}, &out, &errb); status != 0 {
		t.Fatalf("json: status %d: %s", status, errb.String())
	}
	b, _ := os.ReadFile(jpath)
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(lines) != len(rows)-1 {
		t.Errorf("%d JSON lines, %d CSV rows", len(lines), len(rows)-1)
	}
	var p exportPoint
	if err := json.Unmarshal([]byte(lines[0]), &p); err != nil || p.Host == "" || p.Panel == "" || p.Time.Before(from) {
		t.Errorf("first line %s: %+v %v", lines[0], p, err)
	}
}

func TestExportErrors(t *testing.T) {
	path := synthRecording(t, time.Minute)
	for _, c := range []struct {
		args   []string
		status int
		msg    string
	}{
		{[]string{"export"}, 2, "want one recording FILE"},
		{[]string{"export", "--from", "+50s", "--to", "+10s", path}, 2, "is before --from"},
		{[]string{"export", "--from", "yesterday", path}, 2, `--from "yesterday": want a time`},
		{[]string{"export", "--format", "xml", path}, 2, `--format`},
		{[]string{"export", filepath.Join(t.TempDir(), "none")}, 1, "no such file"},
	} {
		var out, errb bytes.Buffer
		if status := run(c.args, &out, &errb); status != c.status || !strings.Contains(errb.String(), c.msg) {
			t.Errorf("%q: status %d, stderr %q; want %d and %q", c.args, status, errb.String(), c.status, c.msg)
		}
	}
}
