package config

import (
	"os"
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics and either returns a dashboard
// that passes Validate or an error whose every line names the file.
func FuzzParse(f *testing.F) {
	if data, err := os.ReadFile("../pages/default.yaml"); err == nil {
		f.Add(data)
	}
	for _, s := range []string{
		"",
		valid,
		valid + "history: {seconds: 120}\ntimezone: America/Los_Angeles\n",
		valid + "history: 120\n",
		inMetric("{name: A, type: latency, key: a, key2: b, unit: ms, color: 196}"),
		inMetric("{name: A, type: Hit_Rate, key: a, key2: b, color: '#abc'}"),
		inMetric("{name: A, type: rate, key: 'a b', colour: red}"),
		inMetric("[1, 2]"),
		"x: &a {k: 1}\ny: {<<: *a, j: 2}\n",
		"pages:\n  - &p {name: P, panels: [{title: T, metrics: [{name: A, type: counter, key: a}]}]}\n  - *p\n",
		"a: b: c\n",
		"pages: [\n",
		"a: 1\n---\nb: 2\n",
		"pages:\n- name: a\n  name: b\n",
		"pages:\n  - name: P\n    panels:\n      - title: T\n        metrics:\n          - &m {name: A, type: counter, key: a}\n          - {<<: [*m, *m], name: B}\n",
		"pages:\n  - name: P\n    panels:\n      - title: T\n        metrics:\n          - {name: A, type: counter, key: a, color: #fff}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Parse("fuzz.yaml", data)
		if err != nil {
			if d != nil {
				t.Fatalf("dashboard and error returned")
			}
			for _, line := range strings.Split(err.Error(), "\n") {
				// An expression's problem is followed by its line and a
				// caret, indented.
				if !strings.HasPrefix(line, "fuzz.yaml") && !strings.HasPrefix(line, "... and ") && !strings.HasPrefix(line, "    ") {
					t.Fatalf("error line does not start with the file name: %q", line)
				}
				if strings.ContainsFunc(line, func(r rune) bool { return r < ' ' || r == 0x7f }) {
					t.Fatalf("control character in an error line: %q", line)
				}
			}
			return
		}
		if d == nil {
			t.Fatal("nil dashboard without error")
		}
		if err := d.Validate(); err != nil {
			t.Fatalf("parsed dashboard fails Validate: %v", err)
		}
	})
}
