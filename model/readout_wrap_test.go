package model

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

func TestWrapClausesKeepsNumbersWithTheirWords(t *testing.T) {
	line := "  Requests per second, Origin, edge1: 463, steady. Min 463, average 481, max 517."
	got := wrapClauses(line, 78)
	want := []string{
		"  Requests per second, Origin, edge1: 463, steady. Min 463, average 481,",
		"    max 517.",
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	// "3.6" is not a clause boundary.
	got = wrapClauses("  A, B, edge1: 3.6 thousand, rising. Min 2.4 thousand, average 3.1 thousand, max 3.9 thousand.", 40)
	for _, l := range got {
		if ansi.StringWidth(l) > 40 {
			t.Fatalf("line wider than 40: %q", l)
		}
		if strings.HasSuffix(l, "3.") || strings.HasPrefix(strings.TrimSpace(l), "6 ") {
			t.Fatalf("split inside a number: %q", got)
		}
	}
	// A clause longer than the line is wrapped at spaces, indented.
	got = wrapClauses("  "+strings.Repeat("word ", 30), 30)
	for i, l := range got {
		if ansi.StringWidth(l) > 30 || (i > 0 && !strings.HasPrefix(l, "    ")) {
			t.Fatalf("long clause: %q", got)
		}
	}
	if got := wrapClauses("short", 30); len(got) != 1 || got[0] != "short" {
		t.Fatalf("short line: %q", got)
	}
}
