package model

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/traffic-grapher/traffic_grapher/metrics"
)

// SnapshotText is what --once prints (--format text): the text readout of
// every page, every panel's values for every host with the min, average,
// max and trend of what was sampled. One fact per line, no escape codes,
// in dashboard order, so it reads well in a pipe, a log or a screen
// reader.
func SnapshotText(ctx *ProgramContext, store *metrics.Store, at time.Time, errs []string) string {
	r := snapshotReadout(ctx, store, at, errs)
	var b strings.Builder
	fmt.Fprintf(&b, "traffic_grapher snapshot · %s · hosts: %s\n",
		at.In(location(ctx)).Format("2006-01-02 15:04:05 MST"), strings.Join(ctx.Hosts, ", "))
	for _, e := range errs {
		fmt.Fprintf(&b, "error: %s\n", e)
	}
	b.WriteString(r.Intro() + "\n")
	for _, pg := range r.Pages {
		fmt.Fprintf(&b, "\nPage %d of %d: %s\n", pg.Number, pg.Of, pg.Name)
		for _, l := range (Readout{Pages: []ReadoutPage{pg}}).Lines(false) {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

// SnapshotJSON is --once --format json: the readout of every page as
// structured data (see Readout), for scripts.
func SnapshotJSON(ctx *ProgramContext, store *metrics.Store, at time.Time, errs, warnings []string) ([]byte, error) {
	r := snapshotReadout(ctx, store, at, errs)
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

// snapshotReadout reads every page at at. The window is what was sampled
// (a --once run lasts seconds, not the whole history), rounded up to a
// second.
func snapshotReadout(ctx *ProgramContext, store *metrics.Store, at time.Time, errs []string) Readout {
	window := ctx.History
	if oldest, ok := store.Oldest(); ok && at.Sub(oldest) < window {
		window = max(at.Sub(oldest).Truncate(time.Second)+time.Second, time.Second)
	}
	pages := make([]int, len(ctx.Dashboard.Pages))
	for i := range pages {
		pages[i] = i
	}
	c := *ctx
	c.Location = location(ctx)
	r := BuildReadout(&c, store, ViewSpan{End: at, Window: window}, pages)
	r.Errors = errs
	return r
}

func location(ctx *ProgramContext) *time.Location {
	if ctx.Location == nil {
		return time.UTC
	}
	return ctx.Location
}
