package record

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"os"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/traffic-grapher/traffic_grapher/metrics"
)

// Host is one recorded host: its display name and how it is read.
type Host struct {
	Name, Source string
}

// Options bound a recording: when MaxBytes (0: no bound) or MaxAge (0: no
// bound) is reached, the file is closed and renamed FILE.1 (an older FILE.1
// becomes FILE.2, and so on up to Keep, default 5, the oldest dropped),
// and FILE starts again.
type Options struct {
	MaxBytes int64
	MaxAge   time.Duration
	Keep     int
	// Now is the clock for MaxAge; nil means time.Now.
	Now func() time.Time
}

// DefaultKeep is how many rotated files are kept when Options.Keep is 0.
const DefaultKeep = 5

// Writer appends entries to a recording. Its methods may be called from
// several goroutines (the collector's workers).
type Writer struct {
	mu    sync.Mutex
	path  string
	opts  Options
	hosts []Host

	f       *os.File
	size    int64
	started time.Time
	entry   []byte // the entry being encoded
	bits    bitWriter
	out     []byte // the framed piece

	keys  map[string]uint64
	names []string // by id
	last  []hostState
	ids   []uint64 // scratch: the keys of one sample, sorted
	fresh []string // scratch: a sample's names new to the file
	err   error
	bytes int64 // written in total, all files
}

// hostState is what a host's next entry is encoded against.
type hostState struct {
	t     int64 // unix µs of its last entry
	dt    int64 // the time between its last two entries
	coder *hostCoder
	keys  []uint64 // its last sample's keys
}

// appendTime appends the time of the host's next entry: in µs, how much
// longer after the last than the last was after the one before (a host
// polled once a second: a byte or two).
func (st *hostState) appendTime(b []byte, t time.Time) []byte {
	us := t.UnixMicro()
	dt := us - st.t
	b = binary.AppendVarint(b, dt-st.dt)
	st.t, st.dt = us, dt
	return b
}

// Create opens a recording at path for the hosts, appending a new segment
// if the file exists (a recording is never truncated), creating it (mode
// 0600) if not.
func Create(path string, hosts []Host, opts Options) (*Writer, error) {
	if opts.Keep <= 0 {
		opts.Keep = DefaultKeep
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	w := &Writer{path: path, opts: opts, hosts: hosts}
	if err := w.open(); err != nil {
		return nil, err
	}
	return w, nil
}

// open starts a segment in the file at w.path.
func (w *Writer) open() error {
	f, err := os.OpenFile(w.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("recording: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("recording: %w", err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return fmt.Errorf("recording: %s is not a regular file", w.path)
	}
	w.f, w.size, w.started = f, fi.Size(), w.opts.Now()
	w.keys, w.names = map[string]uint64{}, w.names[:0]
	w.last = make([]hostState, len(w.hosts))
	for i := range w.last {
		w.last[i] = hostState{t: w.started.UnixMicro(), coder: newHostCoder(version)}
	}
	if _, err := f.Write([]byte(magic)); err != nil {
		f.Close()
		return w.fail(err)
	}
	w.size += int64(len(magic))
	w.bytes += int64(len(magic))
	w.begin(tagSegment)
	w.entry = binary.AppendVarint(w.entry, w.started.UnixMicro())
	if err := w.end(); err != nil {
		return err
	}
	for i, h := range w.hosts {
		w.begin(tagHost)
		w.entry = binary.AppendUvarint(w.entry, uint64(i))
		w.entry = appendString(w.entry, h.Name)
		w.entry = appendString(w.entry, h.Source)
		if err := w.end(); err != nil {
			return err
		}
	}
	return nil
}

// Sample records what host answered at t.
func (w *Writer) Sample(host int, t time.Time, values map[string]metrics.Sample) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.ready(host); err != nil {
		return err
	}
	st := &w.last[host]
	// New keys first: their entries must come before the sample's.
	// New names get their ids in name order, so that a file's coding does
	// not hang on a map's order, and a record's twin (.cache.bytes_used,
	// .cache.volume_0.bytes_used) comes after it, to be predicted by it.
	w.ids, w.fresh = w.ids[:0], w.fresh[:0]
	for name := range values {
		if id, ok := w.keys[name]; ok {
			w.ids = append(w.ids, id)
		} else {
			w.fresh = append(w.fresh, name)
		}
	}
	slices.Sort(w.fresh)
	for _, name := range w.fresh {
		id := uint64(len(w.keys))
		w.keys[name] = id
		w.names = append(w.names, name)
		w.begin(tagKey)
		w.entry = binary.AppendUvarint(w.entry, id)
		w.entry = appendString(w.entry, name)
		if err := w.end(); err != nil {
			return err
		}
		w.ids = append(w.ids, id)
	}
	slices.Sort(w.ids)
	w.begin(tagSample)
	w.entry = binary.AppendUvarint(w.entry, uint64(host))
	w.entry = st.appendTime(w.entry, t)
	// The keys, unless they are the host's last sample's (the usual
	// case); then the values, coded (codec.go).
	if slices.Equal(w.ids, st.keys) {
		w.entry = binary.AppendUvarint(w.entry, 0)
	} else {
		w.entry = binary.AppendUvarint(w.entry, uint64(len(w.ids))+1)
		var prevID uint64
		for i, id := range w.ids {
			d := id
			if i > 0 {
				d = id - prevID
			}
			prevID = id
			w.entry = binary.AppendUvarint(w.entry, d)
		}
		st.keys = append(st.keys[:0], w.ids...)
	}
	w.bits.b = w.entry
	st.coder.begin()
	for _, id := range w.ids {
		s := values[w.names[id]]
		st.coder.encode(&w.bits, id, s.Value, s.Float)
	}
	w.entry = w.bits.finish()
	return w.end()
}

// Failure records that host did not answer at t, and why.
func (w *Writer) Failure(host int, t time.Time, why string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.ready(host); err != nil {
		return err
	}
	st := &w.last[host]
	w.begin(tagError)
	w.entry = binary.AppendUvarint(w.entry, uint64(host))
	w.entry = st.appendTime(w.entry, t)
	w.entry = appendString(w.entry, why)
	return w.end()
}

// ready checks the writer can take an entry for host, rotating first when
// the file has reached its bound.
func (w *Writer) ready(host int) error {
	if w.err != nil {
		return w.err
	}
	if host < 0 || host >= len(w.hosts) {
		return fmt.Errorf("recording: no host %d", host)
	}
	if (w.opts.MaxBytes > 0 && w.size >= w.opts.MaxBytes) || (w.opts.MaxAge > 0 && w.opts.Now().Sub(w.started) >= w.opts.MaxAge) {
		return w.rotate()
	}
	return nil
}

// rotate closes the file, shifts FILE.1 … FILE.(Keep-1) up by one, renames
// FILE to FILE.1 and starts FILE anew.
func (w *Writer) rotate() error {
	if err := w.closeSegment(); err != nil {
		return err
	}
	for i := w.opts.Keep - 1; i >= 1; i-- {
		from := w.path + "." + strconv.Itoa(i)
		if _, err := os.Lstat(from); err == nil {
			if err := os.Rename(from, w.path+"."+strconv.Itoa(i+1)); err != nil {
				return w.fail(err)
			}
		}
	}
	os.Remove(w.path + "." + strconv.Itoa(w.opts.Keep+1)) // beyond Keep: dropped
	if err := os.Rename(w.path, w.path+".1"); err != nil {
		return w.fail(err)
	}
	return w.open()
}

// begin starts an entry.
func (w *Writer) begin(tag byte) {
	w.entry = append(w.entry[:0], tag)
}

// end writes the entry as one piece (its length, its CRC and itself) in
// one write: on disk whole, or torn only if the write itself is cut.
func (w *Writer) end() error {
	if len(w.entry) > maxPiece {
		return w.fail(fmt.Errorf("an entry of %d bytes (at most %d: a sample of fewer records)", len(w.entry), maxPiece))
	}
	w.out = binary.AppendUvarint(w.out[:0], uint64(len(w.entry)))
	w.out = binary.LittleEndian.AppendUint32(w.out, crc32.Checksum(w.entry, crcTable))
	w.out = append(w.out, w.entry...)
	n, err := w.f.Write(w.out)
	w.size += int64(n)
	w.bytes += int64(n)
	if err != nil {
		return w.fail(err)
	}
	return nil
}

// closeSegment closes the file.
func (w *Writer) closeSegment() error {
	if err := w.f.Close(); err != nil {
		return w.fail(err)
	}
	return nil
}

// fail remembers the first error: a recording that cannot be written stops
// there, and every later call says why.
func (w *Writer) fail(err error) error {
	if w.err == nil {
		w.err = fmt.Errorf("recording to %s: %w", w.path, err)
	}
	return w.err
}

// Bytes is how much has been written, all rotated files included.
func (w *Writer) Bytes() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.bytes
}

// Close ends the recording.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		if w.f != nil {
			w.f.Close()
		}
		return w.err
	}
	err := w.closeSegment()
	w.err = fmt.Errorf("recording to %s: closed", w.path)
	return err
}

func appendString(b []byte, s string) []byte {
	if len(s) > maxString {
		s = s[:maxString]
	}
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}
