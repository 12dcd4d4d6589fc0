package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/traffic-grapher/traffic_grapher/metrics"
)

// Text is what --once prints (--format text): the text readout of
// every page, every panel's values for every host with the min, average,
// max and trend of what was sampled. One fact per line, no escape codes,
// in dashboard order, so it reads well in a pipe, a log or a screen
// reader.
func Text(rc Context, store *metrics.Store, at time.Time, errs []string) string {
	r := snapshot(rc, store, at, errs)
	var b strings.Builder
	fmt.Fprintf(&b, "traffic_grapher snapshot · %s · hosts: %s\n",
		at.In(rc.location()).Format("2006-01-02 15:04:05 MST"), strings.Join(rc.Hosts, ", "))
	for _, e := range errs {
		fmt.Fprintf(&b, "error: %s\n", e)
	}
	for _, l := range r.Head() {
		b.WriteString(l + "\n")
	}
	if r.Fleet != nil {
		b.WriteString("\n")
		for _, l := range r.Fleet.Lines() {
			b.WriteString(l + "\n")
		}
	}
	for _, pg := range r.Pages {
		fmt.Fprintf(&b, "\nPage %d of %d: %s\n", pg.Number, pg.Of, pg.Name)
		for _, l := range (Readout{Pages: []Page{pg}}).Lines(false) {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

// JSON is --once --format json: the readout of every page as
// structured data (see Readout), for scripts.
func JSON(rc Context, store *metrics.Store, at time.Time, errs, warnings []string) ([]byte, error) {
	r := snapshot(rc, store, at, errs)
	r.Warnings = warnings
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // "Traffic & Cache", not "Traffic \u0026 Cache"
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// snapshot reads every page at at. The window is what was sampled
// (a --once run lasts seconds, not the whole history), rounded up to a
// second.
func snapshot(rc Context, store *metrics.Store, at time.Time, errs []string) Readout {
	window := rc.History
	if oldest, ok := store.Oldest(); ok && at.Sub(oldest) < window {
		window = max(at.Sub(oldest).Truncate(time.Second)+time.Second, time.Second)
	}
	r := BuildAll(rc, store, metrics.Span{End: at, Window: window})
	r.Errors = errs
	return r
}
