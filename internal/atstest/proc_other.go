//go:build unix && !linux

package atstest

import (
	"syscall"
	"time"
)

func sysProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

// groupMembers needs /proc; elsewhere the group is only signalled.
func groupMembers(pg int) []int { return nil }

func waitGroupGone(pg int, limit time.Duration) {}
