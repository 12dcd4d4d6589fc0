package testproc

import (
	"os"
	"strconv"
	"syscall"
	"time"
)

func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{
		// Its own process group, so that Stop reaches whatever it starts
		// (traffic_server), and a Ctrl-C in the terminal goes to the test
		// binary, whose cleanups then stop everything in order rather than
		// racing them.
		Setpgid: true,
		// If the test binary dies without running its cleanups (killed, or
		// a panic in another goroutine), the program does not outlive it
		// (traffic_manager takes traffic_server down with it). Linux sends
		// this when the thread that started the child exits, which the Go
		// runtime does only to threads locked by a goroutine that exits.
		Pdeathsig: syscall.SIGTERM,
	}
}

// readStat reads /proc/PID/stat.
func readStat(pid int) (procStat, bool) {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, false // no such process, or exited meanwhile
	}
	return parseStat(string(stat))
}

// allProcs reads every process's stat from /proc.
func allProcs() []procStat {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []procStat
	for _, e := range entries {
		if pid, err := strconv.Atoi(e.Name()); err == nil {
			if st, ok := readStat(pid); ok {
				out = append(out, st)
			}
		}
	}
	return out
}

// descendants lists every process below root, from the parent PIDs in
// /proc.
func descendants(root int) []procStat {
	children := map[int][]procStat{}
	for _, st := range allProcs() {
		children[st.ppid] = append(children[st.ppid], st)
	}
	var out []procStat
	queue := []int{root}
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		for _, c := range children[pid] {
			out = append(out, c)
			queue = append(queue, c.pid)
		}
	}
	return out
}

// GroupMembers lists the live (not zombie) processes of process group pg.
func GroupMembers(pg int) []int {
	var pids []int
	for _, st := range allProcs() {
		if st.pgrp == pg && !exited(st.state) {
			pids = append(pids, st.pid)
		}
	}
	return pids
}

// Alive reports whether pid is a process that has not exited (a zombie
// has).
func Alive(pid int) bool { return !exited(procState(pid)) }

// procState returns the state letter of pid, or 0 if there is no such
// process.
func procState(pid int) byte {
	st, _ := readStat(pid)
	return st.state
}

// waitStopped waits (at most a second) until pid has stopped or exited.
func waitStopped(pid int) {
	pollUntil(time.Second, func() bool {
		st := procState(pid)
		return st == 'T' || st == 't' || exited(st)
	})
}

// waitDead waits (at most a second) until pid has exited.
func waitDead(pid int) {
	pollUntil(time.Second, func() bool { return exited(procState(pid)) })
}

// waitGroupGone waits until group pg has no live member.
func waitGroupGone(pg int, limit time.Duration) {
	pollUntil(limit, func() bool { return len(GroupMembers(pg)) == 0 })
}

// pollUntil polls /proc until done or the limit: the kernel offers no
// event for the stop or death of a process that is not our child (only
// its parent can wait for it). Signal delivery takes microseconds to
// milliseconds, so polls start at 100 µs and back off to 5 ms.
func pollUntil(limit time.Duration, done func() bool) {
	deadline := time.Now().Add(limit)
	for d := 100 * time.Microsecond; !done() && time.Now().Before(deadline); d = min(2*d, 5*time.Millisecond) {
		time.Sleep(d)
	}
}
