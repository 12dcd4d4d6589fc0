package testproc

import (
	"syscall"
	"time"
)

// groupGoneLimit bounds Stop's wait for the last group members to die
// after SIGKILL, which takes milliseconds.
const groupGoneLimit = 5 * time.Second

// Stop ends the process and everything it started, and returns only when
// they are gone, so that ports, files and connections are free. Stopping
// a stopped process does nothing more than check its group is empty.
//
// Descendants that left the process group (sshd's per-connection
// processes call setsid()) are missed by a group signal and, once the
// process exits, orphaned beyond finding; so they are found first, through
// parent PIDs in /proc, and killed (see killEscaped). Then the group gets
// SIGTERM, so that programs shut down as they are meant to
// (traffic_manager stops traffic_server, Prometheus flushes its head
// block), and SIGKILL after the grace period. Members left once the
// leader has exited get SIGKILL too, and Stop waits until none is alive.
//
// The group is signalled only while its leader is unreaped or members
// remain (checked in /proc just before): a process group ID is not reused
// while the group has members, so the signal cannot reach another program.
func (p *Proc) Stop() {
	p.stopMu.Lock()
	defer p.stopMu.Unlock()
	pg := p.PID()
	select {
	case <-p.exited:
	default:
		p.killEscaped()
		syscall.Kill(-pg, syscall.SIGTERM)
		// Processes frozen by killEscaped act on SIGTERM only once
		// continued.
		syscall.Kill(-pg, syscall.SIGCONT)
		select {
		case <-p.exited:
		case <-time.After(p.grace):
			syscall.Kill(-pg, syscall.SIGKILL)
			<-p.exited
		}
	}
	if len(GroupMembers(pg)) > 0 {
		syscall.Kill(-pg, syscall.SIGKILL)
		waitGroupGone(pg, groupGoneLimit)
	}
}

// killEscaped kills every descendant of p outside p's process group and
// waits until they are dead. To make the snapshot of descendants
// complete, p and then each descendant found are frozen with SIGSTOP (a
// stopped process cannot fork), repeating until no new one appears.
// Frozen processes cannot reap their children either, so the PIDs found
// stay theirs until killed. Those in the group stay frozen until Stop's
// SIGCONT.
func (p *Proc) killEscaped() {
	root := p.PID()
	// os.Process signals through a pidfd and refuses once it has reaped
	// the process: then root may be another program's PID by now.
	if p.cmd.Process.Signal(syscall.SIGSTOP) != nil {
		return
	}
	waitStopped(root)
	frozen := map[int]procStat{}
	for {
		found := false
		for _, d := range descendants(root) {
			if _, ok := frozen[d.pid]; !ok {
				syscall.Kill(d.pid, syscall.SIGSTOP)
				frozen[d.pid] = d
				found = true
			}
		}
		if !found {
			break
		}
		// Signals are delivered asynchronously: a process may still fork
		// until it has actually stopped. Rescan only once all have.
		for pid := range frozen {
			waitStopped(pid)
		}
	}
	var killed []int
	for pid, d := range frozen {
		if d.pgrp != root {
			syscall.Kill(pid, syscall.SIGKILL)
			killed = append(killed, pid)
		}
	}
	for _, pid := range killed {
		waitDead(pid)
	}
}
