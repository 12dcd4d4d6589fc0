package atstest

import (
	"os"
	"testing"
	"time"
)

// TestServeForBench is not a test: it is how scripts/bench-process runs a
// Traffic Server 9.2 for ATS's own traffic_top to watch beside
// traffic_grapher (the peer the frugality target names). It runs only
// when TG_ATS92_SERVE names a file: once the instance serves, it writes
// the instance's runroot there (TS_RUNROOT=DIR), and it stops the
// instance when the script removes the file.
func TestServeForBench(t *testing.T) {
	ready := os.Getenv("TG_ATS92_SERVE")
	if ready == "" {
		t.Skip("a helper of scripts/bench-process: runs only when it sets TG_ATS92_SERVE")
	}
	a := Start(t, Options{})
	if err := os.WriteFile(ready+".tmp", []byte("TS_RUNROOT="+a.Dir+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(ready+".tmp", ready); err != nil {
		t.Fatal(err)
	}
	// The script removes the file when done; its removal is the event
	// waited for (there is no other channel from a shell to a go test).
	for tick := time.NewTicker(200 * time.Millisecond); ; <-tick.C {
		if _, err := os.Stat(ready); err != nil {
			return
		}
	}
}
