//go:build unix && !linux

package testproc

import (
	"syscall"
	"time"
)

func sysProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

// Without /proc, descendants that left the group are left to exit on
// their own (sshd's when their clients disconnect), and the group is only
// signalled.
func descendants(root int) []procStat { return nil }

func GroupMembers(pg int) []int { return nil }

// Alive asks the kernel with the null signal; a zombie counts as alive.
func Alive(pid int) bool { return syscall.Kill(pid, 0) == nil }

func waitStopped(pid int)                       {}
func waitDead(pid int)                          {}
func waitGroupGone(pg int, limit time.Duration) {}
