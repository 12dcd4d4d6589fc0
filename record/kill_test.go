package record

import (
	"bufio"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// TestKilledWriterHelper is not a test: run by TestKilledWriter as a child
// process, it records entries to $TG_RECORD_KILL_FILE for ever, saying on
// stdout how many each Write has returned for.
func TestKilledWriterHelper(t *testing.T) {
	path := os.Getenv("TG_RECORD_KILL_FILE")
	if path == "" {
		t.Skip("the child of TestKilledWriter")
	}
	w, err := Create(path, hosts, Options{})
	if err != nil {
		os.Exit(3)
	}
	es := entries()
	out := bufio.NewWriter(os.Stdout)
	for i := 0; ; i++ {
		e := es[i%len(es)]
		e.Time = t0.Add(time.Duration(i) * time.Second)
		if e.Err != "" {
			err = w.Failure(e.Host, e.Time, e.Err)
		} else {
			err = w.Sample(e.Host, e.Time, e.Values)
		}
		if err != nil {
			os.Exit(4)
		}
		out.WriteString(strconv.Itoa(i+1) + "\n")
		out.Flush()
	}
}

// A writer killed with SIGKILL at random points leaves a file that reads
// without error, with every entry whose Write had returned, and to which
// the next run appends a segment that reads whole.
func TestKilledWriter(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 8 {
		path := filepath.Join(t.TempDir(), "rec")
		cmd := exec.Command(os.Args[0], "-test.run=^TestKilledWriterHelper$")
		cmd.Env = append(os.Environ(), "TG_RECORD_KILL_FILE="+path)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Kill it once it has written a random number of entries (and,
		// being busy, is most likely inside the next).
		target := 1 + rng.IntN(400)
		sc := bufio.NewScanner(stdout)
		written := 0
		for written < target && sc.Scan() {
			written, _ = strconv.Atoi(sc.Text())
		}
		cmd.Process.Signal(syscall.SIGKILL)
		for sc.Scan() { // what it said before it died
			written, _ = strconv.Atoi(sc.Text())
		}
		cmd.Wait()
		if written < target {
			t.Fatalf("round %d: the child wrote %d entries, not %d", round, written, target)
		}
		got, sum := readAll(t, path)
		if len(got) < written {
			t.Fatalf("round %d: %d entries read, %d had been written before the kill (%+v)", round, len(got), written, sum)
		}
		// The next run appends, and its entries read whole after the
		// first run's.
		es := entries()
		write(t, path, es, Options{}).Close()
		all, sum := readAll(t, path)
		if err := same(all[len(all)-len(es):], es); err != nil || sum.Segments != 2 {
			t.Fatalf("round %d: after the kill, the next run's entries: %v (%+v)", round, err, sum)
		}
		t.Logf("round %d: killed after %d entries; %d read back, %d damaged", round, written, len(got), sum.Damaged)
	}
}
