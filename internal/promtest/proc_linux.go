package promtest

import "syscall"

func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{
		// Its own process group: a Ctrl-C in the terminal goes to the test
		// binary, whose cleanups then stop the program in order, rather
		// than racing them.
		Setpgid: true,
		// If the test binary dies without running its cleanups, the
		// program does not outlive it.
		Pdeathsig: syscall.SIGTERM,
	}
}
