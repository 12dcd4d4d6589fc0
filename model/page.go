package model

import (
	"strings"

	"github.com/traffic-grapher/traffic_grapher/metrics"
	"github.com/traffic-grapher/traffic_grapher/picture"
)

// PageView lays out up to four panels: one fills the page, two sit side by
// side, three or four make a 2x2 grid, where a table that is the third
// and last panel takes the whole bottom row.
type PageView struct {
	Name   string
	panels []panelView
	wide   bool   // the last panel spans its row
	view   string // the joined panels, rebuilt when a panel redraws
}

// panelView is a panel as the page sees it: a chart (PanelView) or a
// table (TableView), each owning its size and cached drawing.
type panelView interface {
	SetSize(w, h int)
	Invalidate()
	Refresh(store *metrics.Store, span metrics.Span) bool
	View() string
	Picture(store *metrics.Store, span metrics.Span) picture.Panel
}

// NewPageView builds the panels of the dashboard's page.
func NewPageView(pctx *ProgramContext, page int) *PageView {
	pg := pctx.Dashboard.Pages[page]
	pv := &PageView{Name: pg.Name}
	for i, pn := range pg.Panels {
		if pn.IsTable() {
			pv.panels = append(pv.panels, NewTableView(pctx, page, i))
		} else {
			pv.panels = append(pv.panels, NewPanelView(pctx, page, i))
		}
	}
	pv.wide = len(pg.Panels) == 3 && pg.Panels[2].IsTable()
	return pv
}

// SetSize divides the page among its panels.
func (pv *PageView) SetSize(w, h int) {
	cols, rows := 2, 2
	switch len(pv.panels) {
	case 1:
		cols, rows = 1, 1
	case 2:
		cols, rows = 2, 1
	}
	for i, p := range pv.panels {
		c, r := i%cols, i/cols
		x0, x1 := w*c/cols, w*(c+1)/cols
		if pv.wide && i == len(pv.panels)-1 {
			x0, x1 = 0, w
		}
		y0, y1 := h*r/rows, h*(r+1)/rows
		p.SetSize(x1-x0, y1-y0)
	}
}

// Invalidate marks every panel stale.
func (pv *PageView) Invalidate() {
	for _, p := range pv.panels {
		p.Invalidate()
	}
}

// Refresh redraws the stale panels and, if any changed, the joined page.
func (pv *PageView) Refresh(store *metrics.Store, span metrics.Span) {
	changed := pv.view == ""
	for _, p := range pv.panels {
		changed = p.Refresh(store, span) || changed
	}
	if changed {
		pv.view = pv.join()
	}
}

// View returns the page as last drawn.
func (pv *PageView) View() string { return pv.view }

// join sets the panels' drawings side by side. Every panel line is exactly
// its panel's width, so rows are joined by plain concatenation.
func (pv *PageView) join() string {
	cols := 2
	if len(pv.panels) == 1 {
		cols = 1
	}
	var b strings.Builder
	size := 0
	for _, p := range pv.panels {
		size += len(p.View()) + 1
	}
	b.Grow(size) // the page is made once a tick: grown once, not by doubling
	for i := 0; i < len(pv.panels); i += cols {
		var cells [][]string
		height := 0
		for j := i; j < i+cols && j < len(pv.panels); j++ {
			lines := strings.Split(pv.panels[j].View(), "\n")
			height = max(height, len(lines))
			cells = append(cells, lines)
		}
		for y := 0; y < height; y++ {
			if b.Len() > 0 {
				b.WriteByte('\n')
			}
			for _, lines := range cells {
				if y < len(lines) {
					b.WriteString(lines[y])
				}
			}
		}
	}
	return b.String()
}
