package app

import (
	"context"
	"fmt"
	"runtime/debug"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/traffic-grapher/traffic_grapher/config"
)

// guardedModel turns a panic in Update or View into a clean exit: the
// program quits, Bubble Tea restores the terminal, and the panic and its
// stack are printed on stderr afterwards (Bubble Tea's own recovery prints
// to stdout, inside the screen being torn down, and Run then reports an
// ordinary kill).
type guardedModel struct {
	tea.Model
	// show puts each view on the screen (Terminal.Frame); nil in tests.
	show     func(string)
	panicked any
	stack    []byte
}

func (g *guardedModel) Update(msg tea.Msg) (m tea.Model, cmd tea.Cmd) {
	if g.panicked != nil {
		return g, tea.Quit
	}
	defer func() {
		if p := recover(); p != nil {
			g.panicked, g.stack = p, debug.Stack()
			m, cmd = g, tea.Quit
		}
	}()
	inner, cmd := g.Model.Update(msg)
	g.Model = inner
	return g, cmd
}

func (g *guardedModel) View() (s string) {
	if g.panicked != nil {
		return ""
	}
	defer func() {
		if p := recover(); p != nil {
			g.panicked, g.stack = p, debug.Stack()
			s = ""
		}
	}()
	s = g.Model.View()
	if g.show != nil {
		g.show(s)
	}
	return s
}

// configReadBound is how long reading the dashboard file may take. A FIFO
// with no writer, or a hung network file system, would otherwise block
// start-up for ever, deaf to Ctrl-C.
const configReadBound = 10 * time.Second

// loadConfig is config.Load bounded by ctx (a signal) and configReadBound.
// A read that never returns leaves its goroutine behind; the program is
// about to exit with an error anyway.
func loadConfig(ctx context.Context, path string) (*config.Dashboard, error) {
	type loaded struct {
		d   *config.Dashboard
		err error
	}
	ch := make(chan loaded, 1)
	go func() {
		d, err := config.Load(path)
		ch <- loaded{d, err}
	}()
	t := time.NewTimer(configReadBound)
	defer t.Stop()
	select {
	case l := <-ch:
		return l.d, l.err
	case <-ctx.Done():
		return nil, fmt.Errorf("reading %s: interrupted", path)
	case <-t.C:
		return nil, usageError{fmt.Sprintf("%s: nothing could be read from it in %s (a FIFO with no writer? a hung file system?)", path, configReadBound)}
	}
}
