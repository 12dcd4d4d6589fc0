// Package textdiff shows how two texts differ line by line, for tests'
// failure messages: golden screens, and outputs that must agree.
package textdiff

import (
	"fmt"
	"strings"
)

// Lines lists the lines that differ between want and got, numbered from 1,
// "-" for want's and "+" for got's.
func Lines(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d:\n- %s\n+ %s\n", i+1, wl, gl)
		}
	}
	return b.String()
}
