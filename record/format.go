// Package record writes and reads recordings: every raw sample a run
// collects (host, time, record, value) and every failed collection, in a
// compact, append-only file that a crash cannot spoil.
//
// A file is a sequence of segments, one per run (or per rotated file). A
// segment is the header line "TGREC 1\n" and then pieces: each piece is a
// uvarint length, the CRC-32 (Castagnoli) of its bytes and the bytes, which
// are the next part of one DEFLATE stream, cut at a sync flush. The writer
// flushes after every entry, so each entry is on disk, whole, when Write
// returns, in one write(2); a kill or a power loss can leave at most the
// last piece torn, which the CRC catches: the reader keeps everything
// before it, then looks for the next segment's header. Inside the stream,
// entries are
//
//	'G' segment: start time (unix ms, varint)
//	'H' host: index, name, how it is read
//	'K' key: id (the next one), record name: each name is written once per segment
//	'S' sample: host, time (ms since the host's last entry, or the start), count, then per value
//	    the key id (the difference from the previous value's, ids ascending) and
//	    one of: unchanged; the same change as last time; the change of the change
//	    (zigzag varint); the change; or the float64 itself (see the kinds below)
//	'E' error: host, time (as for 'S'), the error's text
//
// each as its tag, a uvarint length and that many bytes. A value takes one
// or two bytes before DEFLATE, which finds the rest of the repetition.
package record

import (
	"errors"
	"hash/crc32"
)

// magic starts every segment.
const magic = "TGREC 1\n"

// Entry tags.
const (
	tagSegment = 'G'
	tagHost    = 'H'
	tagKey     = 'K'
	tagSample  = 'S'
	tagError   = 'E'
)

// Value kinds of a sample: the kind byte is the kind shifted left once,
// its low bit set when the value was reported as a float (Sample.Float).
// Counters grow at a rate that changes slowly, so the change of their
// change (kindDeltaDelta) is small: a few bits, where the change itself
// takes a dozen.
const (
	kindSame       = 0 // as the host's previous value of the key
	kindDelta      = 1 // an integer: the previous one plus a zigzag varint
	kindBits       = 2 // the float64's bits, 8 bytes little-endian
	kindSameDelta  = 3 // the previous one plus the same change as last time
	kindDeltaDelta = 4 // the previous one plus the last change plus a zigzag varint
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
var ErrNotRecording = errors.New("not a traffic_grapher recording (it does not start with \"TGREC 1\")")
