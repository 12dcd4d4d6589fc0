package collect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"
)

// What every source shares: the kinds of error a fetch can end in, and
// the helpers that word messages and keep a server's text off the
// terminal's controls.

// Error kinds. Every error Fetch returns matches exactly one of these with
// errors.Is (or is an *RPCError), so callers can tell "host down" from
// "server confused" without parsing messages.
var (
	// ErrConnect: the socket could not be reached (missing, refused,
	// permission denied, dial timed out).
	ErrConnect = errors.New("cannot connect")
	// ErrTimeout: connected, but no complete reply before the deadline.
	ErrTimeout = errors.New("timed out")
	// ErrNoReply: the server closed the connection without answering, or
	// reset it mid-reply (traffic_server crashed or restarted).
	ErrNoReply = errors.New("connection closed without reply")
	// ErrMalformed: the reply is not a well-formed admin_lookup_records
	// answer (garbage, truncated, wrong id, wrong shape).
	ErrMalformed = errors.New("malformed reply")
	// ErrTooLarge: the reply exceeded MaxReplyBytes.
	ErrTooLarge = errors.New("reply too large")
)

// RPCError is a top-level JSON-RPC error object sent by the server, e.g.
// {"code": -32601, "message": "Method not found"}.
type RPCError struct {
	Code    int
	Message string
	// Data holds the messages of the optional "data" list ATS attaches to
	// some errors (e.g. "Denied privileged API access for uid=...").
	Data []string
}

func (e *RPCError) Error() string {
	s := fmt.Sprintf("jsonrpc error %d: %s", e.Code, e.Message)
	if len(e.Data) > 0 {
		s += " (" + strings.Join(e.Data, "; ") + ")"
	}
	return s
}

// fetchError carries a human-readable message and a kind (one of the Err*
// values above) plus an optional cause for errors.Is/As.
type fetchError struct {
	kind  error
	msg   string
	cause error
}

func (e *fetchError) Error() string { return e.msg }

func (e *fetchError) Unwrap() []error {
	if e.cause == nil {
		return []error{e.kind}
	}
	return []error{e.kind, e.cause}
}

// NewError is an error of kind (one of the Err* values) with a message for
// people and an optional cause, both matched by errors.Is and errors.As.
func NewError(kind error, cause error, format string, args ...any) error {
	return &fetchError{kind: kind, msg: fmt.Sprintf(format, args...), cause: cause}
}

// IsTimeout says err is a deadline, of a context or of a connection.
func IsTimeout(err error) bool {
	if errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// IsClosedByPeer says the other end closed or reset the connection.
func IsClosedByPeer(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// RoundDuration rounds a timeout for messages: 1s, 1.5s, 200ms, 15ms.
func RoundDuration(d time.Duration) time.Duration {
	switch {
	case d <= 0:
		return 0
	case d >= time.Second:
		return d.Round(100 * time.Millisecond)
	case d >= 100*time.Millisecond:
		return d.Round(10 * time.Millisecond)
	}
	return d.Round(time.Millisecond)
}

// FormatBytes renders a size in binary units: 16 MiB, 512 KiB, 100 B.
func FormatBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// Dedupe drops empty and repeated keys, keeping the first of each.
func Dedupe(keys []string) []string {
	seen := make(map[string]struct{}, len(keys))
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		if k == "" {
			continue
		}
		if _, ok := seen[k]; ok {
			continue
		}
		seen[k] = struct{}{}
		out = append(out, k)
	}
	return out
}

// Sanitize makes server-supplied text safe to put on a terminal: control
// characters (including ESC) and invalid UTF-8 become '?', and the result
// is at most max runes ("…" marks a cut).
func Sanitize(s string, max int) string {
	var b strings.Builder
	n := 0
	for i, r := range s {
		if n == max {
			if i < len(s) {
				b.WriteString("…")
			}
			break
		}
		switch {
		case r == utf8.RuneError:
			b.WriteByte('?')
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x2028 || r == 0x2029 ||
			(r >= 0x200e && r <= 0x200f) || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069):
			// controls, line separators and bidi overrides
			b.WriteByte('?')
		default:
			b.WriteRune(r)
		}
		n++
	}
	return b.String()
}

func DescribeJSONError(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		if strings.Contains(syn.Error(), "unexpected end") {
			return "truncated JSON"
		}
		return fmt.Sprintf("invalid JSON at byte %d (%s)", syn.Offset, Sanitize(syn.Error(), 80))
	case errors.As(err, &typ):
		if typ.Field != "" {
			return fmt.Sprintf("unexpected %s for %s", typ.Value, typ.Field)
		}
		return fmt.Sprintf("unexpected %s", typ.Value)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "truncated JSON"
	}
	return Sanitize(err.Error(), 120)
}

// Excerpt quotes the start (and, for long bodies, the end) of a reply for an
// error message, with control characters and invalid UTF-8 replaced.
func Excerpt(b []byte) string {
	const head, tail = 60, 20
	if len(b) <= head+tail+5 {
		return strconv.Quote(Sanitize(string(b), head+tail+5))
	}
	return strconv.Quote(Sanitize(string(b[:head]), head)) + " … " + strconv.Quote(Sanitize(string(b[len(b)-tail:]), tail)) +
		fmt.Sprintf(" (%d bytes)", len(b))
}
