package testproc

import "strings"

// procStat is what Stop needs from /proc/PID/stat.
type procStat struct {
	pid, ppid, pgrp int
	state           byte // R, S, T, Z, ...
}

// parseStat reads the text of /proc/PID/stat: "pid (comm) state ppid pgrp
// ...", where comm may itself contain spaces and parentheses, so fields
// are counted from the last ')'.
func parseStat(stat string) (procStat, bool) {
	open := strings.IndexByte(stat, '(')
	i := strings.LastIndexByte(stat, ')')
	if open < 0 || i < open {
		return procStat{}, false
	}
	f := strings.Fields(stat[i+1:])
	if len(f) < 3 || len(f[0]) != 1 {
		return procStat{}, false
	}
	pid, ok1 := atoi(strings.TrimSpace(stat[:open]))
	ppid, ok2 := atoi(f[1])
	pgrp, ok3 := atoi(f[2])
	if !ok1 || !ok2 || !ok3 {
		return procStat{}, false
	}
	return procStat{pid: pid, ppid: ppid, pgrp: pgrp, state: f[0][0]}, true
}

// atoi accepts only decimal digits: strconv.Atoi would take "-1" or "+1".
func atoi(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// exited reports whether a state letter means the process is gone or a
// zombie (which has exited; its parent may never reap it: an orphan's new
// parent may be an init that does not). 0 stands for no such process.
func exited(state byte) bool { return state == 'Z' || state == 'X' || state == 0 }
