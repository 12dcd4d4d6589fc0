package app

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/traffic-grapher/traffic_grapher/config"
	"github.com/traffic-grapher/traffic_grapher/metrics"
	"github.com/traffic-grapher/traffic_grapher/monitor"
	"github.com/traffic-grapher/traffic_grapher/pages"
	"github.com/traffic-grapher/traffic_grapher/record"
	"github.com/traffic-grapher/traffic_grapher/report"
)

const exportUsage = `Usage: traffic_grapher export [flags] FILE

Writes the series a recording (--record FILE) gives on a dashboard's
panels, derived as the screen derives them (rates, latencies, hit rates,
expressions), one point per line: time, host, page, panel, metric, member
(what a * key matched), value and unit. For spreadsheets (--format csv) and
scripts (--format json: JSON Lines, one object a point).

--from and --to take what replay's --at takes: 2026-12-01T14:05:00Z,
"2026-12-01 14:05", 14:05 (on the recording's last day), -10m from its end
or +1h from its start. A live run's window is exported by recording it
(--record) and exporting the file, which can be read while it is written.

Flags:
`

// exportOptions are export's flags.
type exportOptions struct {
	file, from, to, config, pages, timezone, output string
	format                                          choiceValue
}

func parseExportArgs(args []string, stderr io.Writer) (*exportOptions, error) {
	o := &exportOptions{format: choiceValue{value: "csv", choices: []string{"csv", "json"}}}
	fs := pflag.NewFlagSet("export", pflag.ContinueOnError)
	fs.StringVar(&o.from, "from", "", "the first instant to write (default: the recording's start)")
	fs.StringVar(&o.to, "to", "", "the last instant to write (default: its end)")
	fs.Var(&o.format, "format", "csv (a header, then a row a point) or json (JSON Lines, an object a point)")
	fs.StringVarP(&o.output, "output", "o", "", "write to this file (created or truncated) instead of stdout")
	fs.StringVarP(&o.config, "config", "c", "", "a YAML dashboard whose series to write (default: the built-in pages)")
	fs.StringVar(&o.pages, "pages", "ats", "built-in pages: "+strings.Join(pages.Names(), ", "))
	fs.StringVar(&o.timezone, "timezone", "UTC", "IANA time zone of the times written and of --from and --to, or Local")
	file, help, err := parseFileArgs(fs, args, exportUsage, stderr)
	if err != nil || help {
		return nil, err
	}
	o.file = file
	return o, nil
}

// runExport is `traffic_grapher export`.
func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseExportArgs(args, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "traffic_grapher export: %v\nRun 'traffic_grapher export --help' for usage.\n", err)
		return 2
	}
	if o == nil {
		return 0
	}
	if err := export(ctx, o, stdout); err != nil {
		return failed(stderr, "export", err)
	}
	return 0
}

// exportPoint is one line of an export.
type exportPoint struct {
	Time   time.Time `json:"time"`
	Host   string    `json:"host"`
	Page   string    `json:"page"`
	Panel  string    `json:"panel"`
	Metric string    `json:"metric"`
	Member string    `json:"member,omitempty"`
	Value  float64   `json:"value"`
	Unit   string    `json:"unit"`
}

var exportHeader = []string{"time", "host", "page", "panel", "metric", "member", "value", "unit"}

// export streams the recording through a store that keeps a few minutes:
// after each entry, every series of its host that the entry gave a value
// writes it. Memory stays flat however long the recording.
func export(ctx context.Context, o *exportOptions, stdout io.Writer) error {
	loc, err := time.LoadLocation(o.timezone)
	if err != nil {
		return usageError{fmt.Sprintf("--timezone %q: unknown time zone", o.timezone)}
	}
	sum, interval, err := surveyRecording(o.file)
	if err != nil {
		return err
	}
	if sum.Entries == 0 {
		return fmt.Errorf("%s: no samples recorded", o.file)
	}
	from, to := sum.First, sum.Last
	if o.from != "" {
		if from, err = parseAt(o.from, sum, loc); err != nil {
			return usageError{strings.Replace(err.Error(), "--at", "--from", 1)}
		}
	}
	if o.to != "" {
		if to, err = parseAt(o.to, sum, loc); err != nil {
			return usageError{strings.Replace(err.Error(), "--at", "--to", 1)}
		}
	}
	if to.Before(from) {
		return usageError{fmt.Sprintf("--to %s is before --from %s", to.In(loc).Format(time.RFC3339), from.In(loc).Format(time.RFC3339))}
	}
	dash, err := recordingDashboard(ctx, o.pages, o.config)
	if err != nil {
		return err
	}
	names := hostNames(sum)
	data, err := monitor.New(dash, names, max(10*time.Minute, 4*interval), interval)
	if err != nil {
		return err
	}

	w := stdout
	if o.output != "" {
		f, err := os.OpenFile(o.output, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	emit := newExportWriter(bw, o.format.value, loc)
	refs := exportRefs(dash)
	store := data.Store()
	_, err = record.ReadFile(o.file, func(e record.Entry) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if e.Time.After(to) {
			return errStop
		}
		data.Apply(result(e))
		if e.Err != "" || e.Time.Before(from) {
			return nil // before --from: only to warm the rates up
		}
		for _, ref := range refs {
			s := store.Series(e.Host, ref.id)
			if !s.IsFamily() {
				if v, t, ok := s.LatestAt(); ok && t.Equal(e.Time) {
					emit(exportPoint{Time: t, Host: names[e.Host], Page: ref.page, Panel: ref.panel, Metric: ref.name, Value: v, Unit: ref.unit})
				}
				continue
			}
			for _, c := range s.Members() {
				if v, t, ok := s.Member(c).LatestAt(); ok && t.Equal(e.Time) {
					name := report.LineName(ref.name, metrics.Line{Member: c}, ref.panelMetrics)
					emit(exportPoint{Time: t, Host: names[e.Host], Page: ref.page, Panel: ref.panel, Metric: name, Member: c, Value: v, Unit: ref.unit})
				}
			}
		}
		return emit(exportPoint{}) // the writer's error, if any
	})
	if err != nil && !errors.Is(err, errStop) {
		return err
	}
	if err := emit(exportPoint{}); err != nil {
		return err
	}
	return bw.Flush()
}

// exportRef is one dashboard metric as an export names it.
type exportRef struct {
	id                      int
	page, panel, name, unit string
	panelMetrics            int
}

func exportRefs(d *config.Dashboard) []exportRef {
	var out []exportRef
	for ref := range d.Metrics() {
		pn := d.Pages[ref.Page].Panels[ref.Panel]
		def := ref.Metric.Def()
		unit := report.UnitName(def.DisplayUnit(), metrics.KeepsAbsolute(def.Type))
		out = append(out, exportRef{id: ref.ID, page: d.Pages[ref.Page].Name, panel: pn.Title, name: ref.Metric.Name, unit: unit, panelMetrics: len(pn.Metrics)})
	}
	return out
}

// newExportWriter returns a function writing one point in the format; a
// zero point writes nothing and returns the first error met.
func newExportWriter(w io.Writer, format string, loc *time.Location) func(exportPoint) error {
	var failed error
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		return func(p exportPoint) error {
			if failed == nil && !p.Time.IsZero() {
				p.Time = p.Time.In(loc)
				failed = enc.Encode(p)
			}
			return failed
		}
	}
	cw := csv.NewWriter(w)
	failed = cw.Write(exportHeader)
	return func(p exportPoint) error {
		if failed == nil && !p.Time.IsZero() {
			failed = cw.Write([]string{p.Time.In(loc).Format("2006-01-02T15:04:05.000Z07:00"), p.Host, p.Page, p.Panel, p.Metric, p.Member,
				strconv.FormatFloat(p.Value, 'g', -1, 64), p.Unit})
		}
		if failed == nil && p.Time.IsZero() {
			cw.Flush()
			failed = cw.Error()
		}
		return failed
	}
}
