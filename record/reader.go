package record

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"time"

	"github.com/traffic-grapher/traffic_grapher/metrics"
)

// Entry is one recorded collection: a host's values at a time, or, when
// Err is not "", that it did not answer.
type Entry struct {
	Host   int
	Time   time.Time
	Values map[string]metrics.Sample
	Err    string
}

// Summary is what reading a recording found besides its entries.
type Summary struct {
	Hosts    []Host // the last segment's hosts, by index
	Segments int
	Entries  int
	// Damaged counts the stretches of the file that could not be read (a
	// piece torn by a kill, a corrupt byte) and were passed over.
	Damaged int
	// First and Last are the times of the first and last entry.
	First, Last time.Time
}

// ReadFile reads the recording at path, calling fn with each entry in
// file order (fn's Entry.Values is the reader's: fn must not keep it). It
// stops at fn's first error and returns it.
func ReadFile(path string, fn func(Entry) error) (Summary, error) {
	f, err := os.Open(path)
	if err != nil {
		return Summary{}, fmt.Errorf("recording: %w", err)
	}
	defer f.Close()
	sum, err := Read(f, fn)
	if err != nil {
		return sum, fmt.Errorf("recording %s: %w", path, err)
	}
	return sum, nil
}

// ReadTimes is ReadFile without the values: each entry's host, time and
// error only, for a look over a recording (its hosts, its span, its
// interval) many times faster than reading it.
func ReadTimes(path string, fn func(Entry) error) (Summary, error) {
	f, err := os.Open(path)
	if err != nil {
		return Summary{}, fmt.Errorf("recording: %w", err)
	}
	defer f.Close()
	sum, err := read(f, fn, true)
	if err != nil {
		return sum, fmt.Errorf("recording %s: %w", path, err)
	}
	return sum, nil
}

// Read reads a recording from r (see ReadFile).
func Read(r io.Reader, fn func(Entry) error) (Summary, error) { return read(r, fn, false) }

func read(r io.Reader, fn func(Entry) error, timesOnly bool) (Summary, error) {
	br := bufio.NewReaderSize(r, maxPiece+binary.MaxVarintLen64+8) // a whole piece can be looked at

	var sum Summary
	head := make([]byte, headerLength)
	if _, err := io.ReadFull(br, head); err != nil || segmentVersion(head) == 0 {
		return sum, ErrNotRecording
	}
	version := segmentVersion(head)
	for {
		sum.Segments++
		seg := &segmentReader{src: br, sum: &sum, fn: fn, timesOnly: timesOnly, version: version}
		err := seg.read()
		switch {
		case errors.Is(err, errDamaged) || seg.damaged:
			sum.Damaged++
		case err != nil:
			return sum, err
		}
		// The next segment, wherever it starts.
		if version = seekMagic(br); version == 0 {
			return sum, nil
		}
	}
}

// errDamaged ends a segment that could not be read to its end.
var errDamaged = errors.New("damaged")

// seekMagic reads up to and including the next segment header, and
// returns its version, or 0 if there is none.
func seekMagic(br *bufio.Reader) int {
	for {
		if _, err := br.ReadSlice('T'); err != nil && err != bufio.ErrBufferFull {
			return 0
		}
		head, _ := br.Peek(headerLength - 1)
		if v := segmentVersion(append([]byte{'T'}, head...)); v != 0 {
			br.Discard(len(head))
			return v
		}
	}
}

// segmentReader decodes one segment's pieces: one entry each.
type segmentReader struct {
	src     *bufio.Reader
	sum     *Summary
	fn      func(Entry) error
	damaged bool
	piece   []byte
	// timesOnly skips the values (ReadTimes): the pieces' checks still
	// say what is whole.
	timesOnly bool
	version   int // the segment's format

	start  int64 // unix µs
	hosts  []Host
	keys   []string
	last   []hostRead
	values map[string]metrics.Sample
}

type hostRead struct {
	t, dt int64 // as hostState's
	coder *hostCoder
	keys  []uint64 // its last sample's
}

// nextPiece reads one piece into s.piece, or says the segment ends here:
// at the end of the file, at the next segment's header (left unread), or
// at a piece that fails its check (damage). A piece is looked at whole
// before any of it is taken, so that after damage the search for the next
// header starts where the bad piece did: a piece torn by a kill may be
// followed at once by the next run's header.
func (s *segmentReader) nextPiece() bool {
	head, _ := s.src.Peek(binary.MaxVarintLen64 + 4)
	if len(head) == 0 {
		return false // the end of the file
	}
	if segmentVersion(head) != 0 {
		return false // the next segment
	}
	n, w := binary.Uvarint(head)
	if w <= 0 || n == 0 || n > maxPiece || len(head) < w+4 {
		s.damaged = true
		return false
	}
	whole, err := s.src.Peek(w + 4 + int(n))
	if err != nil {
		s.damaged = true // torn: the file ends inside the piece
		return false
	}
	payload := whole[w+4:]
	if crc32.Checksum(payload, crcTable) != binary.LittleEndian.Uint32(whole[w:w+4]) {
		s.damaged = true
		return false
	}
	s.piece = append(s.piece[:0], payload...)
	s.src.Discard(len(whole))
	return true
}

// read decodes the segment's entries and hands each to fn.
func (s *segmentReader) read() error {
	first := true
	for s.nextPiece() {
		tag, body := s.piece[0], s.piece[1:]
		if first && tag != tagSegment {
			return errDamaged
		}
		first = false
		if err := s.entry(tag, body); err != nil {
			return err
		}
	}
	if s.damaged {
		return errDamaged
	}
	return nil
}

// entry decodes one entry.
func (s *segmentReader) entry(tag byte, b []byte) error {
	d := decoder{b: b}
	switch tag {
	case tagSegment:
		s.start = d.varint()
		if d.err != nil {
			return errDamaged
		}
	case tagHost:
		i := d.uvarint()
		name, source := d.string(), d.string()
		if d.err != nil || i != uint64(len(s.hosts)) || i >= maxHosts {
			return errDamaged
		}
		s.hosts = append(s.hosts, Host{Name: name, Source: source})
		s.last = append(s.last, hostRead{t: s.start, coder: newHostCoder(s.version)})
		s.sum.Hosts = s.hosts
	case tagKey:
		id, name := d.uvarint(), d.string()
		if d.err != nil || id != uint64(len(s.keys)) || id >= maxKeys {
			return errDamaged
		}
		s.keys = append(s.keys, name)
	case tagSample, tagError:
		h := d.uvarint()
		dt := d.varint()
		if d.err != nil || h >= uint64(len(s.hosts)) {
			return errDamaged
		}
		st := &s.last[h]
		if s.version >= 2 {
			dt += st.dt
		}
		st.t, st.dt = st.t+dt, dt
		e := Entry{Host: int(h), Time: time.UnixMicro(st.t)}
		if tag == tagError {
			e.Err = d.string()
			if d.err != nil {
				return errDamaged
			}
		} else if !s.timesOnly {
			if err := s.sample(&d, st); err != nil {
				return err
			}
			e.Values = s.values
		}
		s.sum.Entries++
		if s.sum.First.IsZero() || e.Time.Before(s.sum.First) {
			s.sum.First = e.Time
		}
		if e.Time.After(s.sum.Last) {
			s.sum.Last = e.Time
		}
		return s.fn(e)
	default:
		return errDamaged
	}
	return nil
}

// sample decodes a sample's values into s.values.
func (s *segmentReader) sample(d *decoder, st *hostRead) error {
	m := d.uvarint()
	if d.err != nil || m > uint64(len(s.keys))+1 {
		return errDamaged
	}
	if m > 0 { // the keys, else the last sample's
		st.keys = st.keys[:0]
		var id uint64
		for i := uint64(0); i < m-1; i++ {
			delta := d.uvarint()
			if i > 0 && delta == 0 { // ids ascend
				return errDamaged
			}
			id += delta
			if d.err != nil || id >= uint64(len(s.keys)) {
				return errDamaged
			}
			st.keys = append(st.keys, id)
		}
	}
	if s.values == nil {
		s.values = make(map[string]metrics.Sample, len(st.keys))
	}
	clear(s.values)
	r := bitReader{b: d.b}
	st.coder.begin()
	for _, id := range st.keys {
		v, float, err := st.coder.decode(&r, id)
		if err != nil {
			return errDamaged
		}
		s.values[s.keys[id]] = metrics.Sample{Value: v, Float: float}
	}
	return nil
}

// decoder reads an entry's fields; the first short or bad field sets err.
type decoder struct {
	b   []byte
	err error
}

var errShort = errors.New("short entry")

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err, d.b = errShort, nil
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err, d.b = errShort, nil
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) byte() byte {
	if len(d.b) < 1 {
		d.err = errShort
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) uint64() uint64 {
	if len(d.b) < 8 {
		d.err, d.b = errShort, nil
		return 0
	}
	v := binary.LittleEndian.Uint64(d.b)
	d.b = d.b[8:]
	return v
}

func (d *decoder) string() string {
	n := d.uvarint()
	if d.err != nil || n > maxString || n > uint64(len(d.b)) {
		d.err, d.b = errShort, nil
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}
