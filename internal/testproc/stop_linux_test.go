package testproc

import (
	"fmt"
	"regexp"
	"strconv"
	"testing"
	"time"
)

// pids waits for the "NAME PID" lines the script prints.
func pids(t *testing.T, p *Proc, names ...string) map[string]int {
	t.Helper()
	got := map[string]int{}
	err := p.WaitOutput(0, time.Now().Add(10*time.Second), func(out string) (bool, error) {
		for _, m := range regexp.MustCompile(`(\w+) (\d+)\n`).FindAllStringSubmatch(out, -1) {
			got[m[1]], _ = strconv.Atoi(m[2])
		}
		return len(got) == len(names), nil
	})
	if err != nil {
		t.Fatalf("waiting for PIDs %v: %v (have %v)", names, err, got)
	}
	return got
}

// TestStopTree checks that Stop ends a descendant that left the group with
// setsid (as sshd's connections do), one in the group that ignores SIGTERM
// (killed once the leader has gone), and the leader, all before it returns.
// The member lets go of the output pipe: Wait, and so Exited, would
// otherwise wait for it until the grace period ends (and SIGKILL).
func TestStopTree(t *testing.T) {
	p, _ := startSh(t, `
		setsid sh -c 'echo escaped $$; exec sleep 300' &
		sh -c 'trap "" TERM; echo member $$; exec sleep 300 >/dev/null 2>&1' &
		echo leader $$
		wait`, 0)
	got := pids(t, p, "escaped", "member", "leader")
	if got["leader"] != p.PID() {
		t.Errorf("leader %d, PID %d", got["leader"], p.PID())
	}
	if m := GroupMembers(p.PID()); len(m) < 2 {
		t.Errorf("group members %v, want the leader and member", m)
	}
	start := time.Now()
	p.Stop()
	t.Logf("stopped in %v", time.Since(start))
	for name, pid := range got {
		if Alive(pid) {
			t.Errorf("%s (%d) alive after Stop", name, pid)
		}
	}
	if m := GroupMembers(p.PID()); len(m) != 0 {
		t.Errorf("group members %v after Stop", m)
	}
	p.Stop() // again: nothing
}

// TestStopKillsAfterGrace checks SIGKILL for a leader that ignores SIGTERM.
func TestStopKillsAfterGrace(t *testing.T) {
	p, _ := startSh(t, `trap "" TERM; echo leader $$; while :; do sleep 1; done`, 200*time.Millisecond)
	pids(t, p, "leader")
	start := time.Now()
	p.Stop()
	if d := time.Since(start); d < 200*time.Millisecond || d > 5*time.Second {
		t.Errorf("Stop took %v, want the grace period of 200ms and a little", d)
	}
	if err := p.Err(); err == nil || err.Error() != "signal: killed" {
		t.Errorf("exit %v, want killed", fmt.Sprint(err))
	}
}
