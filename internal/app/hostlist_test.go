package app

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestExpandBraces(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		err  string
	}{
		{"edge1", []string{"edge1"}, ""},
		{"edge{1..3}", []string{"edge1", "edge2", "edge3"}, ""},
		{"edge{08..11}", []string{"edge08", "edge09", "edge10", "edge11"}, ""},
		{"edge{3..1}", []string{"edge3", "edge2", "edge1"}, ""},
		{"{ams,fra}-edge{1..2}.example.net", []string{"ams-edge1.example.net", "ams-edge2.example.net", "fra-edge1.example.net", "fra-edge2.example.net"}, ""},
		{"ops@edge{1,2}:2222", []string{"ops@edge1:2222", "ops@edge2:2222"}, ""},
		// Not a list or a range: left alone, as a shell leaves it.
		{`promql+http://prom:9090#up{job="ats"}`, []string{`promql+http://prom:9090#up{job="ats"}`}, ""},
		{"edge{1}", []string{"edge{1}"}, ""},
		{"edge{a..c}", []string{"edge{a..c}"}, ""},
		{"edge{}", []string{"edge{}"}, ""},
		{"edge}{", []string{"edge}{"}, ""},
		{"edge{1..5000}", nil, "{1..5000} is 5000 hosts; at most 1000"},
		{"e{1..40}-{1..40}", nil, "expands to 1600 hosts; at most 1000"},
	} {
		got, err := expandBraces(tc.in)
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: %v, %v; want the error %q", tc.in, got, err, tc.err)
			}
		case err != nil || !slices.Equal(got, tc.want):
			t.Errorf("%q: %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestHostsFromArgsAndFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "hosts")
	os.WriteFile(file, []byte("# the Amsterdam POP\nams-edge{1..3}\n\n   fra-edge1   \nunix:/run/ats/jsonrpc20.sock\n"), 0o600)
	o, err := parseArgs([]string{"--demo", "edge{1..2}", "--hosts-file", file}, &strings.Builder{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"edge1", "edge2", "ams-edge1", "ams-edge2", "ams-edge3", "fra-edge1", "unix:/run/ats/jsonrpc20.sock"}
	if !slices.Equal(o.hosts, want) {
		t.Errorf("hosts %q, want %q", o.hosts, want)
	}
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, []byte("# nothing\n\n"), 0o600)
	ctl := filepath.Join(dir, "ctl")
	os.WriteFile(ctl, []byte("edge1\nedge\x1b[2J\n"), 0o600)
	big := filepath.Join(dir, "big")
	os.WriteFile(big, []byte(strings.Repeat("edge{1..9}\n", 112)), 0o600)
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"--hosts-file", filepath.Join(dir, "none")}, "--hosts-file: open " + filepath.Join(dir, "none") + ": no such file"},
		{[]string{"--hosts-file", empty}, "names no host"},
		{[]string{"--hosts-file", ctl}, ctl + ":2: a control character"},
		{[]string{"--hosts-file", big}, "more than 1000 hosts"},
		{[]string{"e{1..600}", "f{1..600}"}, "1200 hosts or more; at most 1000"},
	} {
		if _, err := parseArgs(tc.args, &strings.Builder{}); err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%q: %v; want %q", tc.args, err, tc.msg)
		}
	}
}
