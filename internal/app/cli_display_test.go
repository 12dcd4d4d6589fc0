package app

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/traffic-grapher/traffic_grapher/model"
	"github.com/traffic-grapher/traffic_grapher/model/chart"
	"github.com/traffic-grapher/traffic_grapher/pages"
	"github.com/traffic-grapher/traffic_grapher/report"
)

func TestDisplayFlagsAndEnvironment(t *testing.T) {
	defer lipgloss.SetColorProfile(lipgloss.ColorProfile())
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		glyphs  chart.GlyphSet
		noColor bool
		light   bool
		readout bool
	}{
		{name: "defaults", glyphs: chart.GlyphsBraille},
		{name: "TERM=linux draws blocks", env: map[string]string{"TERM": "linux"}, glyphs: chart.GlyphsBlock},
		{name: "TERM=dumb draws ASCII", env: map[string]string{"TERM": "dumb"}, glyphs: chart.GlyphsASCII},
		{name: "--glyphs beats TERM", args: []string{"--glyphs", "braille"}, env: map[string]string{"TERM": "linux"}, glyphs: chart.GlyphsBraille},
		{name: "--glyphs ascii", args: []string{"--glyphs=ascii"}, glyphs: chart.GlyphsASCII},
		{name: "NO_COLOR", env: map[string]string{"NO_COLOR": "1"}, noColor: true},
		{name: "empty NO_COLOR is not set", env: map[string]string{"NO_COLOR": ""}},
		{name: "--no-color", args: []string{"--no-color"}, noColor: true},
		{name: "no colour wins over a theme", args: []string{"--no-color", "--theme", "light"}, noColor: true},
		{name: "--theme light", args: []string{"--theme", "light"}, light: true},
		{name: "ACCESSIBLE", env: map[string]string{"ACCESSIBLE": "1"}, readout: true},
		{name: "--readout", args: []string{"--readout"}, readout: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o, err := parseArgs(append([]string{"--demo"}, tc.args...), &bytes.Buffer{})
			if err != nil {
				t.Fatal(err)
			}
			pctx := &model.ProgramContext{}
			o.displayOptions.apply(pctx, func(k string) string { return tc.env[k] })
			if pctx.Glyphs.Set != tc.glyphs {
				t.Errorf("glyphs %v, want %v", pctx.Glyphs.Set, tc.glyphs)
			}
			if pctx.Styles.NoColor != tc.noColor || pctx.Styles.Light != tc.light {
				t.Errorf("styles: no colour %v light %v", pctx.Styles.NoColor, pctx.Styles.Light)
			}
			if tc.noColor && lipgloss.ColorProfile() != termenv.Ascii {
				t.Error("no colour left the colour profile on")
			}
			if pctx.Readout != tc.readout {
				t.Errorf("readout %v", pctx.Readout)
			}
		})
	}
}

func TestDisplayFlagErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--glyphs", "emoji"}, {"--format", "xml"}, {"--theme", "solarized"},
	} {
		var out, errb bytes.Buffer
		if status := run(args, &out, &errb); status != 2 || !strings.Contains(errb.String(), "want ") {
			t.Errorf("%v: status %d, stderr %q", args, status, errb.String())
		}
	}
	o, err := parseArgs([]string{"--mouse"}, &bytes.Buffer{})
	if err != nil || !o.displayOptions.terminalOptions().Mouse {
		t.Fatalf("--mouse: %v", err)
	}
	if o, _ := parseArgs(nil, &bytes.Buffer{}); o.displayOptions.terminalOptions().Mouse {
		t.Fatal("mouse reporting is on by default")
	}
}

func TestOnceJSON(t *testing.T) {
	if testing.Short() {
		t.Skip("takes a few seconds of real sampling")
	}
	var out, errb bytes.Buffer
	if status := run([]string{"--demo", "--once", "--format", "json", "--interval", "0.5", "--history", "10"}, &out, &errb); status != 0 {
		t.Fatalf("status %d: %s", status, errb.String())
	}
	var r report.Readout
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out.String())
	}
	if len(r.Pages) != len(pages.Default().Pages) || r.Hosts[0] != "demo" {
		t.Fatalf("pages %d hosts %v", len(r.Pages), r.Hosts)
	}
	client := r.Pages[0].Panels[0].Metrics[0].Readings[0]
	if client.Value == nil || *client.Value <= 0 || client.Min == nil || client.Trend == "" || client.Total == nil {
		t.Fatalf("client reading %+v", client)
	}
	// Three collections at most (0.5 s apart: the window is 1 s, rounded
	// up to 2): the hit rate, from live per-transaction counts, is there
	// by then; the client bytes, a sum ATS refreshes every 5 s, are said
	// to be waiting, not left blank.
	if r.WindowSeconds > 2 {
		t.Errorf("--once sampled for %v s; want at most three collections", r.WindowSeconds)
	}
	if hit := r.Pages[0].Panels[2].Metrics[0].Readings[0]; hit.Value == nil || *hit.Value < 50 {
		t.Errorf("hit rate %+v: want a value from the third collection", hit)
	}
	if bytes := r.Pages[3].Panels[0].Metrics[0].Readings[0]; bytes.Value != nil || !bytes.Waiting {
		t.Errorf("client bytes %+v: want no value yet, waiting", bytes)
	}
}

// --once says what the hosts warned about: on stderr with text, in the
// JSON's warnings with --format json (here: a record the server lacks).
func TestOnceWarnings(t *testing.T) {
	if testing.Short() {
		t.Skip("takes a few seconds of real sampling")
	}
	dash := filepath.Join(t.TempDir(), "d.yaml")
	os.WriteFile(dash, []byte("pages:\n  - name: P\n    panels:\n      - title: T\n        metrics:\n"+
		"          - {name: R, type: counter, key: proxy.process.http.incoming_requests}\n"+
		"          - {name: X, type: gauge, key: proxy.process.no.such.record}\n"), 0o644)
	args := []string{"--demo", "--once", "-c", dash, "--interval", "0.5", "--history", "10"}
	var out, errb bytes.Buffer
	if status := run(args, &out, &errb); status != 0 {
		t.Fatalf("status %d: %s", status, errb.String())
	}
	if !strings.Contains(errb.String(), "traffic_grapher: warning: demo: ") || !strings.Contains(errb.String(), "proxy.process.no.such.record") {
		t.Errorf("text: stderr %q lacks the warning", errb.String())
	}
	out.Reset()
	errb.Reset()
	if status := run(append(args, "--format", "json"), &out, &errb); status != 0 {
		t.Fatalf("status %d: %s", status, errb.String())
	}
	var r report.Readout
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Warnings) == 0 || !strings.Contains(strings.Join(r.Warnings, " "), "proxy.process.no.such.record") {
		t.Errorf("json warnings %q", r.Warnings)
	}
}
