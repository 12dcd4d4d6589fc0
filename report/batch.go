package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/traffic-grapher/traffic_grapher/metrics"
)

// Batch output (--batch): one line per collection round, as JSON Lines
// (the readout of every page, compact) or as vmstat-like columns of one
// page's values now.

// JSONLine is the readout r as one line of JSON, newline included.
func JSONLine(r Readout) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Columns are --batch --format text's: a time column, then one per
// metric line and host of a page.
type Columns struct {
	names  []string // the header: "time", then "Panel: metric@host"
	widths []int
}

// NewColumns lays out the columns for a readout of one page.
func NewColumns(r Readout) *Columns {
	c := &Columns{names: []string{"time"}, widths: []int{8}}
	// A metric's name, or where two panels name theirs alike (Client of
	// requests and of connections), the panel's title and its name.
	seen := map[string]int{}
	for _, pg := range r.Pages {
		for _, pn := range pg.Panels {
			for _, m := range pn.Metrics {
				seen[m.Name]++
			}
		}
	}
	for _, pg := range r.Pages {
		for _, pn := range pg.Panels {
			for _, m := range pn.Metrics {
				for _, rd := range m.Readings {
					name := m.Name
					if seen[m.Name] > 1 {
						name = pn.Title + ":" + name
					}
					if len(r.Hosts) > 1 {
						name += "@" + rd.Host
					}
					name = strings.ReplaceAll(name, " ", "_") // a column name is one word
					c.names = append(c.names, name)
					c.widths = append(c.widths, max(len(name), 7))
				}
			}
		}
	}
	return c
}

// Header is the column names, aligned, newline included.
func (c *Columns) Header() string { return c.line(c.names) }

// Row is the readout's values now, aligned under the header: "-" where
// there is none, a trailing "?" on a stale one.
func (c *Columns) Row(r Readout) string {
	cells := []string{r.Time.In(r.location).Format("15:04:05")}
	for _, pg := range r.Pages {
		for _, pn := range pg.Panels {
			for _, m := range pn.Metrics {
				for _, rd := range m.Readings {
					v := "-"
					if rd.Value != nil {
						v = metrics.Format(*rd.Value, m.unit)
						if rd.Stale {
							v += "?"
						}
					}
					cells = append(cells, v)
				}
			}
		}
	}
	return c.line(cells)
}

func (c *Columns) line(cells []string) string {
	var b strings.Builder
	for i, s := range cells {
		w := 8
		if i < len(c.widths) {
			w = c.widths[i]
		}
		if i > 0 {
			b.WriteString("  ")
		}
		fmt.Fprintf(&b, "%*s", w, s)
	}
	b.WriteByte('\n')
	return b.String()
}
