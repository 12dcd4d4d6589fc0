//go:build unix && !linux

package sshtest

import "syscall"

// descendants needs /proc; elsewhere sshd's per-connection processes are
// left to exit when their clients disconnect.
func descendants(root int) []int { return nil }

func sysProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

func waitStopped(pid int) {}
func waitDead(pid int)    {}
