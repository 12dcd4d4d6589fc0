package app

import "testing"

// One thread runs a screen of up to four hosts; a fleet, or a GOMAXPROCS
// set by hand, keeps what the runtime chose.
func TestThreadsFor(t *testing.T) {
	for _, c := range []struct {
		hosts int
		env   string
		want  int
	}{
		{1, "", 1},
		{4, "", 1},
		{5, "", 8},
		{100, "", 8},
		{4, "3", 8}, // the runtime has already read GOMAXPROCS=3: procs says so
	} {
		if got := threadsFor(c.hosts, c.env, 8); got != c.want {
			t.Errorf("threadsFor(%d, %q, 8) = %d, want %d", c.hosts, c.env, got, c.want)
		}
	}
}

// Heap profile samples are taken only for --memprofile, at the rate the
// runtime was given (GODEBUG=memprofilerate=1 for every allocation).
func TestHeapSampling(t *testing.T) {
	for _, c := range []struct {
		memProfile string
		rate, want int
	}{
		{"", 512 << 10, 0},
		{"", 1, 0},
		{"/tmp/mem.prof", 512 << 10, 512 << 10},
		{"/tmp/mem.prof", 1, 1},
	} {
		if got := heapSampling(c.memProfile, c.rate); got != c.want {
			t.Errorf("heapSampling(%q, %d) = %d, want %d", c.memProfile, c.rate, got, c.want)
		}
	}
}
