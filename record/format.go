// Package record writes and reads recordings: every raw sample a run
// collects (host, time, record, value) and every failed collection, in a
// compact, append-only file that a crash cannot spoil.
//
// A file is a sequence of segments, one per run (or per rotated file). A
// segment is the header line "TGREC 2\n" and then pieces, one per entry:
// a uvarint length, the CRC-32 (Castagnoli) of the entry's bytes, and the
// bytes. Each is written whole, in one write(2), before Write returns; a
// kill or a power loss can leave at most the last piece torn, which the
// CRC catches: the reader keeps everything before it, then looks for the
// next segment's header. An entry is its tag and fields:
//
//	'G' segment: start time (unix µs, varint)
//	'H' host: index, name, how it is read
//	'K' key: id (the next one), record name: each name is written once per segment
//	'S' sample: host, time (µs since the host's last entry, or the start,
//	    less the same for the entry before),
//	    the keys (uvarint count+1 and id deltas, or 0: the host's last sample's),
//	    then every value as a bit code (codec.go)
//	'E' error: host, time (as for 'S'), the error's text
//
// A value takes a bit when unchanged and a few bits to a few bytes when it
// moves, against what the same host said of the same record last time.
package record

import (
	"errors"
	"hash/crc32"
)

// magic starts every segment that this package writes: format 2. A reader
// also takes format 1's segments ("TGREC 1\n"), whose times are plain
// deltas and whose values are coded without partners and jumps
// (codec.go).
const (
	magic   = "TGREC 2\n"
	version = 2
)

// segmentVersion is the format a segment header names, or 0 if b does not
// start with one.
func segmentVersion(b []byte) int {
	if len(b) < headerLength || string(b[:6]) != "TGREC " || b[7] != '\n' {
		return 0
	}
	switch b[6] {
	case '1':
		return 1
	case '2':
		return 2
	}
	return 0
}

// Entry tags.
const (
	tagSegment = 'G'
	tagHost    = 'H'
	tagKey     = 'K'
	tagSample  = 'S'
	tagError   = 'E'
)

// Bounds on what a reader accepts, so a corrupt or hostile file costs
// bounded memory and time.
const (
	maxPiece     = 64 << 10 // bytes of one piece: one entry
	maxString    = 4096     // bytes of a name or an error text
	maxHosts     = 4096
	maxKeys      = 1 << 16
	maxIntDelta  = 1 << 53 // exactly representable as a float64
	headerLength = len(magic)
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// ErrNotRecording says a file does not start as a recording.
var ErrNotRecording = errors.New("not a traffic_grapher recording (it does not start with \"TGREC 1\" or \"TGREC 2\")")
