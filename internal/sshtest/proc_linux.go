package sshtest

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// descendants lists the PIDs of every process below root, from the parent
// PIDs in /proc.
func descendants(root int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	children := map[int][]int{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue // exited meanwhile
		}
		if ppid, ok := parsePPID(string(stat)); ok {
			children[ppid] = append(children[ppid], pid)
		}
	}
	var out []int
	queue := []int{root}
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		for _, c := range children[pid] {
			out = append(out, c)
			queue = append(queue, c)
		}
	}
	return out
}

func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{
		// Its own process group: a Ctrl-C in the terminal goes to the test
		// binary, whose cleanups then stop the program in order, rather
		// than racing them.
		Setpgid: true,
		// If the test binary dies without running its cleanups (killed, or
		// a panic in another goroutine), the program does not outlive it.
		// Linux sends this when the thread that started the child exits,
		// which the Go runtime does only to threads locked by a goroutine
		// that exits.
		Pdeathsig: syscall.SIGTERM,
	}
}

// procState returns the state letter of pid from /proc/PID/stat (R, S, T,
// Z, ...), or 0 if there is no such process.
func procState(pid int) byte {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+2 >= len(s) {
		return 0
	}
	return s[i+2]
}

// waitStopped waits (at most a second) until pid has stopped or exited.
func waitStopped(pid int) {
	waitProcState(pid, func(st byte) bool { return st == 'T' || st == 't' || st == 'Z' || st == 'X' || st == 0 })
}

// waitDead waits (at most a second) until pid has exited: gone, or a zombie
// (whose parent may never reap it: an orphan's new parent may be an init
// that does not).
func waitDead(pid int) {
	waitProcState(pid, func(st byte) bool { return st == 'Z' || st == 'X' || st == 0 })
}

// waitProcState polls /proc: the kernel offers no event for another
// process's stop or death (only its parent can wait for it). Signal
// delivery takes microseconds to milliseconds, so polls start at 100 µs
// and back off to 5 ms.
func waitProcState(pid int, done func(byte) bool) {
	deadline := time.Now().Add(time.Second)
	for d := 100 * time.Microsecond; !done(procState(pid)) && time.Now().Before(deadline); d = min(2*d, 5*time.Millisecond) {
		time.Sleep(d)
	}
}
