package atstest

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{
		// Its own process group, so that Stop reaches traffic_server and
		// its helpers too, and a Ctrl-C in the terminal goes to the test
		// binary, whose cleanups then stop everything in order.
		Setpgid: true,
		// If the test binary dies without running its cleanups, the
		// manager gets SIGTERM and takes traffic_server down with it.
		Pdeathsig: syscall.SIGTERM,
	}
}

// groupMembers lists the live (not zombie) processes of process group pg,
// from /proc.
func groupMembers(pg int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue // exited meanwhile
		}
		// "pid (comm) state ppid pgrp ...": comm may contain anything.
		s := string(stat)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) < 3 || f[0] == "Z" || f[0] == "X" {
			continue
		}
		if g, err := strconv.Atoi(f[2]); err == nil && g == pg {
			pids = append(pids, pid)
		}
	}
	return pids
}

// waitGroupGone polls /proc until group pg has no live member: the kernel
// offers no event for the death of processes that are not our children
// (traffic_server is the manager's). SIGKILL takes effect within
// milliseconds, so polls start at 1 ms and back off to 50 ms.
func waitGroupGone(pg int, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for d := time.Millisecond; len(groupMembers(pg)) > 0 && time.Now().Before(deadline); d = min(2*d, 50*time.Millisecond) {
		time.Sleep(d)
	}
}
