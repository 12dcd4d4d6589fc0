package testproc

import "testing"

func TestParseStat(t *testing.T) {
	for stat, want := range map[string]procStat{
		"1234 (sshd) S 99 1234 1234 0 -1":       {1234, 99, 1234, 'S'},
		"1234 (we ird) (x) R 7 1 1 0":           {1234, 7, 1, 'R'},
		"5 (sshd: root@notty) T 4321 5 5 0 -1 ": {5, 4321, 5, 'T'},
	} {
		if got, ok := parseStat(stat); !ok || got != want {
			t.Errorf("parseStat(%q) = %+v, %v", stat, got, ok)
		}
	}
	for _, bad := range []string{"", "12 (x", "12 (x) S", "12 (x) S 1", "12 (x) S -1 1", "x (y) S 1 1"} {
		if _, ok := parseStat(bad); ok {
			t.Errorf("parseStat(%q) ok", bad)
		}
	}
}
