//go:build race

package record

// raceEnabled: the race detector slows a simulated day ten-fold and finds
// nothing in it that the short tests do not, so the budget test runs
// without it (scripts/test runs it on its own).
const raceEnabled = true
