package record

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"testing"
)

// FuzzRead reads arbitrary bytes as a recording: it never panics, never
// takes more than its bounds, and every entry it gives names a host the
// recording declared.
func FuzzRead(f *testing.F) {
	dir := f.TempDir()
	path := filepath.Join(dir, "seed")
	write(&testing.T{}, path, entries(), Options{}).Close()
	seed, _ := os.ReadFile(path)
	f.Add(seed)
	f.Add(seed[:len(seed)/2])
	f.Add(append(append([]byte(nil), seed[:len(seed)/3]...), seed...))
	f.Add([]byte(magic))
	if v1, err := os.ReadFile(filepath.Join("testdata", "v1.tgrec")); err == nil {
		f.Add(v1)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var hosts int
		sum, err := Read(bytes.NewReader(data), func(e Entry) error {
			if e.Host < 0 || e.Host >= maxHosts || len(e.Values) > maxKeys || len(e.Err) > maxString {
				t.Fatalf("entry %+v", e)
			}
			hosts = max(hosts, e.Host+1)
			return nil
		})
		if err != nil && err != ErrNotRecording {
			t.Fatalf("Read: %v", err)
		}
		if sum.Entries > len(data) {
			t.Fatalf("%d entries from %d bytes", sum.Entries, len(data))
		}
	})
}

// FuzzEntries frames arbitrary entries with good checksums, so that the
// decoding of entries and values, not the CRC, meets the fuzzer's bytes:
// each 0xff byte of data starts the next entry. The first byte says the
// format: odd, 1; even, 2.
func FuzzEntries(f *testing.F) {
	f.Add([]byte("\x00G\x00\xffH\x00\x05edge1\x00\xffK\x00\x01a\xffS\x00\x02\x02\x00\x80\xffS\x00\x02\x00\x00"))
	f.Add([]byte("\x01G\x02\xffH\x00\x01h\x01s\xffK\x00\x01k\xffK\x01\x01m\xffS\x00\x01\x03\x00\x01\xfe\x03\x07\xffE\x00\x01\x03err"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var file []byte
		switch {
		case len(data) == 0:
			return
		case data[0]%2 == 1:
			file = append(file, "TGREC 1\n"...)
		default:
			file = append(file, magic...)
		}
		data = data[1:]
		for _, e := range bytes.Split(data, []byte{0xff}) {
			if len(e) == 0 {
				continue
			}
			file = appendPiece(file, e)
		}
		_, err := Read(bytes.NewReader(file), func(e Entry) error {
			if len(e.Values) > maxKeys || len(e.Err) > maxString {
				t.Fatalf("entry %+v", e)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("Read: %v", err)
		}
	})
}

// appendPiece frames an entry as the writer does.
func appendPiece(b, entry []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(entry)))
	b = binary.LittleEndian.AppendUint32(b, crc32.Checksum(entry, crcTable))
	return append(b, entry...)
}
