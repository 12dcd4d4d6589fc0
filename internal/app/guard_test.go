package app

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// panicky panics in Update on its first key, or in View once asked to.
type panicky struct{ inView bool }

func (p *panicky) Init() tea.Cmd { return nil }
func (p *panicky) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if _, ok := msg.(tea.KeyMsg); ok {
		if p.inView {
			return p, nil
		}
		var m map[string]int
		m["boom"]++
	}
	return p, nil
}
func (p *panicky) View() string {
	if p.inView {
		panic("view went wrong")
	}
	return "ok"
}

// A panic in Update or View ends the program (Run returns, so Bubble Tea
// restores the terminal) with the panic and its stack kept for stderr.
func TestGuardedModelTurnsPanicsIntoAnExit(t *testing.T) {
	for _, inView := range []bool{false, true} {
		g := &guardedModel{Model: &panicky{inView: inView}}
		var out bytes.Buffer
		p := tea.NewProgram(g, tea.WithInput(nil), tea.WithOutput(&out), tea.WithoutSignalHandler())
		go p.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("x")})
		done := make(chan error, 1)
		go func() { _, err := p.Run(); done <- err }()
		select {
		case err := <-done:
			if err != nil && !errors.Is(err, tea.ErrProgramKilled) {
				t.Fatalf("inView=%v: Run: %v", inView, err)
			}
		case <-time.After(10 * time.Second):
			p.Kill()
			t.Fatalf("inView=%v: the program did not end after the panic", inView)
		}
		if g.panicked == nil || !strings.Contains(string(g.stack), "panicky") {
			t.Fatalf("inView=%v: panic %v, stack %q: want both kept", inView, g.panicked, g.stack)
		}
	}
}

// loadConfig gives up on a file that never delivers, when told to.
func TestLoadConfigIsInterruptible(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "d.yaml")
	if err := mkfifo(fifo); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go cancel()
	if _, err := loadConfig(ctx, fifo); err == nil || !strings.Contains(err.Error(), "interrupted") {
		t.Fatalf("err %v, want interrupted", err)
	}
	good := filepath.Join(t.TempDir(), "ok.yaml")
	os.WriteFile(good, []byte("builtin_pages: node\n"), 0o644)
	if _, err := loadConfig(context.Background(), good); err != nil {
		t.Fatalf("a regular file: %v", err)
	}
}

func mkfifo(path string) error { return syscall.Mkfifo(path, 0o600) }
