package simulator

import "testing"

// StartForTest starts a simulator that the test stops when it ends. Unless
// opts say otherwise its counters never reset, so a test's rates are what
// the traffic model gives.
func StartForTest(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.ResetEvery == 0 {
		opts.ResetEvery = NoReset
	}
	s, err := Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
