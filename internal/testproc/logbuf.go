package testproc

import "sync"

// LogBuffer collects a process's output, for failure reports, and lets a
// caller wait for a line to appear (Proc.WaitOutput): an event rather than
// a sleep. The zero value is ready to use.
type LogBuffer struct {
	mu      sync.Mutex
	b       []byte
	changed chan struct{} // closed (and replaced) at every write
}

func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b = append(l.b, p...)
	if l.changed != nil {
		close(l.changed)
	}
	l.changed = make(chan struct{})
	return len(p), nil
}

// Len is the number of bytes written so far: an offset for Since.
func (l *LogBuffer) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.b)
}

func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.b)
}

// Since returns what was written after offset from, and a channel closed
// at the next write.
func (l *LogBuffer) Since(from int) (string, <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.changed == nil {
		l.changed = make(chan struct{})
	}
	return string(l.b[min(from, len(l.b)):]), l.changed
}
