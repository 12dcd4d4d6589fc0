//go:build race

package metrics

// raceEnabled: the race detector slows a day of snapshots ten-fold and
// measures nothing memory-related, so the long memory test skips under it.
const raceEnabled = true
