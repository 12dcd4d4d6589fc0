package jsonrpc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math"
	"net"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/traffic-grapher/traffic_grapher/collect"
	"github.com/traffic-grapher/traffic_grapher/metrics"
)

// maxRequestBytes keeps every request under the server's read buffer: ATS's
// IPCSocketServer reads at most 32000 bytes and answers nothing at all when
// a request fills that buffer. Fetch splits a key set that would not fit
// into several requests (several connections), each below this size.
const maxRequestBytes = 30000

// lookupRecTypes are the record classes traffic_ctl asks for when it reads
// metrics: RECT_PROCESS (2), RECT_NODE (4) and RECT_PLUGIN (32).
var lookupRecTypes = []string{"2", "4", "32"}

// JSONRPCSource reads records from a Traffic Server 10 JSON-RPC 2.0 endpoint
// (jsonrpc20.sock).
//
// Protocol facts it relies on (see shared/samples/ats10): the server reads
// one request per connection until ~1 ms passes with no new data, answers
// once without a trailing newline, and closes. So each Fetch opens a new
// connection, sends the whole request in a single write, never half-closes
// (the server then answers nothing) and reads the reply to EOF.
type JSONRPCSource struct {
	// SocketPath is used in messages; the default Dial connects to it.
	SocketPath string
	// Dial opens a new connection to the endpoint. It may return a conn
	// that ignores deadlines (an SSH channel): Fetch enforces the deadline
	// by also closing the conn when the context ends.
	Dial func(ctx context.Context) (net.Conn, error)
	// MaxReplyBytes bounds a reply; <= 0 means DefaultMaxReplyBytes.
	MaxReplyBytes int64
	// ByName asks for each key by exact name (one record_name element per
	// key, like `traffic_ctl metric get`) instead of one anchored regex.
	// Unknown keys then come back as "record not found" errorList entries,
	// and no regex lookup ever runs on the server, which matters for
	// released ATS 10.2.0: its regex lookup crashes traffic_server when the
	// regex matches a STRING metric (a key like
	// proxy.process.version.server.short in a dashboard).
	ByName bool

	seq atomic.Uint64
	// replySize is the size of the last reply read: the next one is read
	// into room for about as much (readReply).
	replySize atomic.Int64
	// plan is the last key list's lookup, worked out once: a dashboard
	// asks the same keys every tick.
	mu   sync.Mutex
	plan *lookupPlan
}

// lookupPlan is how one key list is asked for: the keys that are safe to
// ask, the warnings about the others, the chunks and each chunk's regex.
type lookupPlan struct {
	byName             bool
	in, keys, warnings []string
	chunks             [][]string
	// requests are each chunk's request with an empty id (appendRequestWithID
	// fills it in): the same keys are asked every tick.
	requests [][]byte
	wanted   []collect.Wanted // each chunk's, for reading its reply
}

// planFor is the lookup of keys, from the cache when they are the last
// ones asked.
func (s *JSONRPCSource) planFor(keys []string) *lookupPlan {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.plan != nil && s.plan.byName == s.ByName && slices.Equal(s.plan.in, keys) {
		return s.plan
	}
	p := &lookupPlan{byName: s.ByName, in: slices.Clone(keys)}
	p.keys, p.warnings = collect.SafeKeys(collect.Dedupe(keys))
	perKey := 1
	if s.ByName {
		perKey = 60
	}
	p.chunks = chunkKeys(p.keys, perKey)
	for _, c := range p.chunks {
		p.wanted = append(p.wanted, collect.WantedKeys(c))
		if s.ByName {
			p.requests = append(p.requests, BuildNameLookupRequest(c, ""))
		} else {
			p.requests = append(p.requests, buildRegexRequest(LookupRegex(c), ""))
		}
	}
	s.plan = p
	return p
}

// NewJSONRPCSource returns a source reading the Unix socket at socketPath.
func NewJSONRPCSource(socketPath string) *JSONRPCSource {
	return &JSONRPCSource{SocketPath: socketPath, MaxReplyBytes: collect.DefaultMaxReplyBytes, Dial: unixDialer(socketPath)}
}

// unixDialer connects to the Unix socket at path (dialLocal).
func unixDialer(path string) func(ctx context.Context) (net.Conn, error) {
	return func(ctx context.Context) (net.Conn, error) { return dialLocal(ctx, path) }
}

// dialNet connects to the Unix socket at path with the net package.
func dialNet(ctx context.Context, path string) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, "unix", path)
}

// String describes the source: "jsonrpc /run/ts/jsonrpc20.sock".
func (s *JSONRPCSource) String() string { return "jsonrpc " + s.SocketPath }

// Fetch implements Source with one admin_lookup_records request carrying
// every key (several if the key list is too long for one request).
func (s *JSONRPCSource) Fetch(ctx context.Context, keys []string) (map[string]metrics.Sample, []string, error) {
	plan := s.planFor(keys)
	keys, warnings := plan.keys, slices.Clone(plan.warnings)
	if len(keys) == 0 {
		return map[string]metrics.Sample{}, warnings, nil
	}
	var values map[string]metrics.Sample // the usual one request's own map
	ctx, cancel := collect.WithDefaultDeadline(ctx, collect.DefaultTimeout)
	defer cancel()
	deadline, _ := ctx.Deadline()
	budget := time.Until(deadline) // for messages: "no reply within 1s"
	for i, chunk := range plan.chunks {
		id := "tg-" + strconv.FormatUint(s.seq.Add(1), 10)
		// The request is made in the reply's buffer, which it has left
		// by the time the reply comes in: no 9 KB request made a tick.
		sc := getReplyScratch()
		req := appendRequestWithID(sc.body[:0], plan.requests[i], id)
		body, err := s.roundTrip(ctx, &sc.body, req, budget, s.replyLimit(len(chunk)))
		if err != nil {
			putReplyScratch(sc)
			return nil, nil, err
		}
		v, w, err := parseLookupReply(body, id, plan.wanted[i], len(chunk), &sc.records)
		putReplyScratch(sc)
		if err != nil {
			var rpcErr *collect.RPCError
			if errors.As(err, &rpcErr) {
				return nil, nil, err
			}
			return nil, nil, collect.NewError(collect.ErrMalformed, err, "malformed reply from %s: %v", s.SocketPath, err)
		}
		if values == nil {
			values = v
		} else {
			maps.Copy(values, v)
		}
		warnings = append(warnings, w...)
	}
	return values, warnings, nil
}

// A record in a lookup reply, metadata and all, is about 320 bytes (a real
// 10.2's 807 records: 258 KB). A reply to a request for n records is
// allowed far more than that, but not the whole MaxReplyBytes: a server
// that answers a 9 KB question with 16 MB of garbage would otherwise have
// every tick read and buffer all of it (RSS 125 MB and more).
const (
	replyBase      = 256 << 10
	replyPerRecord = 8 << 10
)

// replyLimit bounds the reply to a lookup of n records; n < 0 (every
// record, for the browser) gets the whole MaxReplyBytes.
func (s *JSONRPCSource) replyLimit(n int) int64 {
	limit := s.MaxReplyBytes
	if limit <= 0 {
		limit = collect.DefaultMaxReplyBytes
	}
	if n < 0 {
		return limit
	}
	return min(limit, replyBase+int64(n)*replyPerRecord)
}

// replyScratch is the memory a reply is read and parsed in: its bytes,
// and the list of its records (12 KB for the built-in dashboard), which
// the parse copies what it keeps from.
type replyScratch struct {
	body    []byte
	records []replyRecord
}

// putReplyScratch keeps sc for the next reply, emptied, unless its reply
// was oversize or the free list is full.
func putReplyScratch(sc *replyScratch) {
	if cap(sc.body) > maxPooledReply {
		return
	}
	sc.body = sc.body[:0]
	clear(sc.records) // no reply's strings kept alive by a spare list
	sc.records = sc.records[:0]
	select {
	case replyScratches <- sc:
	default: // 8 kept: more are garbage
	}
}

// getReplyScratch is a kept scratch, or a new one.
func getReplyScratch() *replyScratch {
	select {
	case sc := <-replyScratches:
		return sc
	default:
		return new(replyScratch)
	}
}

// replyScratches hold replies between the read and the parse: a tick's
// replies reuse the last tick's memory instead of growing and clearing a
// new 64 KB buffer and record list per host (most of the runtime's share
// of a tick). Not a sync.Pool: that is emptied by every other GC, and the
// buffers were grown again from 32 KB every few ticks (90 KB/s of garbage
// with four hosts). At most 8 are kept, 8 MB at the very worst.
var replyScratches = make(chan *replyScratch, 8)

// maxPooledReply is the largest buffer kept for reuse; an oversize reply's
// is left to the collector.
const maxPooledReply = 1 << 20

// roundTrip sends one request on a new connection and reads the reply to
// EOF, at most max bytes, within ctx's deadline, whatever the peer does.
func (s *JSONRPCSource) roundTrip(ctx context.Context, buf *[]byte, req []byte, budget time.Duration, limit int64) ([]byte, error) {
	deadline, _ := ctx.Deadline()

	dial := s.Dial
	if dial == nil {
		dial = unixDialer(s.SocketPath)
	}
	conn, err := dial(ctx)
	if err != nil {
		return nil, s.dialError(ctx, err, budget)
	}
	defer conn.Close()
	// SetDeadline is the cheap path for real sockets; closing the conn when
	// ctx ends is what bounds conns that ignore deadlines (SSH channels).
	_ = conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	// One write: the server stops reading after ~1 ms of silence.
	if _, err := conn.Write(req); err != nil {
		if ctx.Err() != nil || collect.IsTimeout(err) {
			return nil, s.timeoutError(ctx, budget, 0)
		}
		if collect.IsClosedByPeer(err) {
			return nil, collect.NewError(collect.ErrNoReply, err, "%s closed the connection before the request was sent (traffic_server crashed or restarting?)", s.SocketPath)
		}
		return nil, collect.NewError(collect.ErrNoReply, err, "sending request to %s: %v", s.SocketPath, err)
	}
	// The reply waits in the socket's buffer for the round's others, to be
	// read in the same wake-up (collect.AwaitRoundRead).
	if collect.AwaitRoundRead(ctx) != nil {
		return nil, s.timeoutError(ctx, budget, 0)
	}

	// Room for the last reply and an eighth more at once, and the read
	// that finds the end (32 KB for a first reply).
	last := s.replySize.Load()
	room := min(max(last+last/8+4<<10, 32<<10), limit+1)
	body, err := readReply((*buf)[:0], io.LimitReader(conn, limit+1), int(room))
	*buf = body // its memory, kept for the next reply
	n := int64(len(body))
	s.replySize.Store(n)
	if n > limit {
		return nil, collect.NewError(collect.ErrTooLarge, nil, "reply from %s larger than %s", s.SocketPath, collect.FormatBytes(limit))
	}
	if err != nil {
		if ctx.Err() != nil || collect.IsTimeout(err) {
			return nil, s.timeoutError(ctx, budget, n)
		}
		if collect.IsClosedByPeer(err) {
			if n == 0 {
				return nil, collect.NewError(collect.ErrNoReply, err, "%s closed the connection without replying (traffic_server crashed or restarting?)", s.SocketPath)
			}
			return nil, collect.NewError(collect.ErrNoReply, err, "%s reset the connection after %d bytes of reply (traffic_server crashed or restarting?)", s.SocketPath, n)
		}
		return nil, collect.NewError(collect.ErrNoReply, err, "reading reply from %s: %v", s.SocketPath, err)
	}
	if n == 0 {
		if ctx.Err() != nil {
			// The deadline closed the conn (an SSH channel reads that as
			// EOF): a timeout, not the server's doing.
			return nil, s.timeoutError(ctx, budget, 0)
		}
		return nil, collect.NewError(collect.ErrNoReply, nil, "%s closed the connection without replying (traffic_server crashed or restarting?)", s.SocketPath)
	}
	// A reply can complete just as the deadline fires; prefer the data.
	return body, nil
}

func (s *JSONRPCSource) timeoutError(ctx context.Context, budget time.Duration, got int64) error {
	if errors.Is(ctx.Err(), context.Canceled) {
		return collect.NewError(collect.ErrTimeout, ctx.Err(), "request to %s cancelled", s.SocketPath)
	}
	if got > 0 {
		return collect.NewError(collect.ErrTimeout, context.DeadlineExceeded, "incomplete reply from %s within %s (%d bytes received)", s.SocketPath, collect.RoundDuration(budget), got)
	}
	return collect.NewError(collect.ErrTimeout, context.DeadlineExceeded, "no reply from %s within %s", s.SocketPath, collect.RoundDuration(budget))
}

func (s *JSONRPCSource) dialError(ctx context.Context, err error, budget time.Duration) error {
	p := s.SocketPath
	switch {
	case errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOENT):
		return collect.NewError(collect.ErrConnect, err, "cannot connect to %s: no such file (is traffic_server running? use --socket)", p)
	case errors.Is(err, syscall.ECONNREFUSED):
		// Connecting to a directory or a plain file is refused too; say
		// what the path really is.
		if fi, serr := os.Stat(p); serr == nil && fi.Mode()&fs.ModeSocket == 0 {
			what := "a regular file"
			if fi.IsDir() {
				what = "a directory"
			} else if !fi.Mode().IsRegular() {
				what = "a " + fi.Mode().Type().String() + " file"
			}
			return collect.NewError(collect.ErrConnect, err, "cannot connect to %s: it is %s, not a socket (the socket is jsonrpc20.sock in ATS's runtime directory; use --socket)", p, what)
		}
		return collect.NewError(collect.ErrConnect, err, "cannot connect to %s: connection refused (traffic_server not running, or a stale socket? use --socket)", p)
	case errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EPERM):
		return collect.NewError(collect.ErrConnect, err, "cannot connect to %s: permission denied (run as the traffic_server user or root)", p)
	case errors.Is(err, syscall.ENOTSOCK):
		return collect.NewError(collect.ErrConnect, err, "cannot connect to %s: not a socket", p)
	case errors.Is(err, context.Canceled):
		return collect.NewError(collect.ErrConnect, err, "cannot connect to %s: cancelled", p)
	case ctx.Err() != nil || collect.IsTimeout(err):
		return collect.NewError(collect.ErrConnect, err, "cannot connect to %s: timed out after %s", p, collect.RoundDuration(budget))
	}
	return collect.NewError(collect.ErrConnect, err, "cannot connect to %s: %s", p, collect.Sanitize(err.Error(), 200))
}

// chunkKeys splits keys so each lookup request stays under maxRequestBytes.
// The cost estimate is conservative (every byte of the quoted name may be
// escaped again by JSON) plus perKey bytes of syntax per key.
func chunkKeys(keys []string, perKey int) [][]string {
	return collect.ChunkBySize(keys, 200, maxRequestBytes, func(k string) int { return 2*len(regexp.QuoteMeta(k)) + perKey })
}

// lookupRequest mirrors the request object; the field order is the wire
// order.
type lookupRequest struct {
	JSONRPC string        `json:"jsonrpc"`
	Method  string        `json:"method"`
	Params  []lookupParam `json:"params"`
	ID      string        `json:"id"`
}

type lookupParam struct {
	RecordNameRegex string   `json:"record_name_regex,omitempty"`
	RecordName      string   `json:"record_name,omitempty"`
	RecTypes        []string `json:"rec_types"`
}

// LookupRegex returns the anchored regular expression matching exactly the
// given record names, and every match of those that are patterns
// (metrics.Pattern): ^(a\.b|c\.d|e\..+\.f)$. ATS matches regexes
// unanchored and case-insensitively, so the anchors matter; the reply must
// still be filtered to the names and patterns asked for.
func LookupRegex(keys []string) string {
	var b strings.Builder
	b.WriteString("^(")
	for i, k := range keys {
		if i > 0 {
			b.WriteByte('|')
		}
		b.WriteString(keyRegex(k))
	}
	b.WriteString(")$")
	return b.String()
}

// keyRegex is the regular expression of one key: its name quoted, or a
// pattern's matches.
func keyRegex(k string) string {
	if p, err := metrics.ParsePattern(k); err == nil {
		return collect.PatternRegex(p)
	}
	return regexp.QuoteMeta(k)
}

// BuildLookupRequest returns the bytes of one admin_lookup_records request
// for keys, with a string id (the server echoes ids as strings anyway). One
// anchored regex of all names is used rather than one record_name entry per
// key: a single record lookup that fails costs an errorList entry either way,
// and the regex form is what every ATS 10 release handles in one pass.
func BuildLookupRequest(keys []string, id string) []byte {
	return buildRegexRequest(LookupRegex(keys), id)
}

// buildRegexRequest is one admin_lookup_records request for the records
// matching re.
func buildRegexRequest(re, id string) []byte {
	return encodeRequest(lookupRequest{
		JSONRPC: "2.0",
		Method:  "admin_lookup_records",
		Params:  []lookupParam{{RecordNameRegex: re, RecTypes: lookupRecTypes}},
		ID:      id,
	})
}

// BuildNameLookupRequest is BuildLookupRequest with one exact record_name
// element per key (what `traffic_ctl metric get` sends).
func BuildNameLookupRequest(keys []string, id string) []byte {
	params := make([]lookupParam, len(keys))
	for i, k := range keys {
		params[i] = lookupParam{RecordName: k, RecTypes: lookupRecTypes}
		if metrics.IsPattern(k) {
			params[i] = lookupParam{RecordNameRegex: "^" + keyRegex(k) + "$", RecTypes: lookupRecTypes}
		}
	}
	return encodeRequest(lookupRequest{JSONRPC: "2.0", Method: "admin_lookup_records", Params: params, ID: id})
}

// readReply reads r to its end into dst's memory, made room for at
// least room bytes first; past that it grows by a quarter at a time.
// bytes.Buffer doubles: a 67 KB reply was kept in 130 KB, for every
// host, for as long as the program ran, and a buffer made smaller again
// for one host's reply would be grown again for the next host's that the
// shared scratches hand it to.
func readReply(dst []byte, r io.Reader, room int) ([]byte, error) {
	dst = slices.Grow(dst[:0], room)
	for {
		if len(dst) == cap(dst) {
			dst = slices.Grow(dst, max(cap(dst)/4, 4<<10))
		}
		n, err := r.Read(dst[len(dst):cap(dst)])
		dst = dst[:len(dst)+n]
		if err == io.EOF {
			return dst, nil
		}
		if err != nil {
			return dst, err
		}
	}
}

// appendRequestWithID appends to dst a request encoded with an empty id
// (the last field: `"id":""}`) with id in its place; id is letters,
// digits and dashes, which JSON takes as they are.
func appendRequestWithID(dst, req []byte, id string) []byte {
	head := bytes.TrimSuffix(req, []byte(`""}`))
	dst = append(dst, head...)
	dst = strconv.AppendQuote(dst, id)
	return append(dst, '}')
}

func encodeRequest(req lookupRequest) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(req); err != nil {
		// Only strings and slices of strings: cannot fail.
		panic(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// flexString accepts a JSON string or a bare number/bool (ATS sends every
// value as a string, but the parser must not trip over a server that does
// not).
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	// The decoder hands over a whole, valid JSON string; one with no
	// escapes is its own contents (the usual case, and a second decode of
	// every field was most of a reply's parse time).
	if n := len(b); n >= 2 && b[0] == '"' && b[n-1] == '"' && bytes.IndexByte(b[1:n-1], '\\') < 0 && utf8.Valid(b[1:n-1]) {
		*f = flexString(b[1 : n-1])
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	}
	if bytes.Equal(b, []byte("null")) {
		*f = ""
		return nil
	}
	if len(b) > 0 && (b[0] == '{' || b[0] == '[') {
		return errors.New("expected a string, got an object or array")
	}
	*f = flexString(b)
	return nil
}

type replyRecord struct {
	Record struct {
		Name         flexString `json:"record_name"`
		DataType     flexString `json:"data_type"`
		CurrentValue flexString `json:"current_value"`
	} `json:"record"`
	// exact: the name is one of the exact keys asked for, as the one-pass
	// reader knows from interning it (encoding/json leaves it false, and
	// values looks the name up).
	exact bool
}

type replyErrorEntry struct {
	Code       flexString `json:"code"`
	Message    flexString `json:"message"`
	RecordName flexString `json:"record_name"`
}

type replyResult struct {
	RecordList *[]replyRecord     `json:"recordList"`
	ErrorList  *[]replyErrorEntry `json:"errorList"`
}

type replyErrorObject struct {
	Code    *json.Number `json:"code"`
	Message flexString   `json:"message"`
	Data    []struct {
		Code    flexString `json:"code"`
		Message flexString `json:"message"`
	} `json:"data"`
}

type reply struct {
	JSONRPC flexString        `json:"jsonrpc"`
	Result  *replyResult      `json:"result"`
	Error   *replyErrorObject `json:"error"`
	ID      json.RawMessage   `json:"id"`
}

// ParseLookupReply decodes an admin_lookup_records reply.
//
// It returns the values of the requested keys (records with other names,
// which a case-insensitive regex can also match, are dropped) and warnings
// for requested keys the server could not supply: errorList entries
// ("record not found: proxy.process.foo (2000)") and keys absent from the
// reply ("not reported by server: proxy.process.foo"). A value that is not
// a number (a STRING record) is a warning too.
//
// err is an *RPCError for a top-level JSON-RPC error object and a plain
// error describing the problem for anything malformed, including an id that
// does not match wantID (an empty wantID skips that check). Warnings and
// error texts are sanitized: no control characters, bounded length.
func ParseLookupReply(body []byte, wantID string, keys []string) (map[string]metrics.Sample, []string, error) {
	return parseLookupReply(body, wantID, collect.WantedKeys(keys), len(keys), nil)
}

// parseLookupReply is ParseLookupReply of the keys in want (n of them),
// reading the records into records' memory (nil: a new list).
func parseLookupReply(body []byte, wantID string, want collect.Wanted, n int, records *[]replyRecord) (map[string]metrics.Sample, []string, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return nil, nil, errors.New("empty reply")
	}
	if trimmed[0] != '{' {
		return nil, nil, fmt.Errorf("expected a JSON object, got %s", collect.Excerpt(trimmed))
	}
	var r reply
	if res, id, ok := readLookupReply(trimmed, want.Intern, records); ok {
		r.Result, r.ID = res, id // the usual reply, read in one pass
	} else if err := json.Unmarshal(trimmed, &r); err != nil {
		return nil, nil, fmt.Errorf("%s in %s", collect.DescribeJSONError(err), collect.Excerpt(trimmed))
	}
	if r.Error != nil {
		return nil, nil, r.Error.asError()
	}
	if err := checkReplyID(r.ID, wantID); err != nil {
		return nil, nil, err
	}
	if r.Result == nil {
		return nil, nil, errors.New("reply has neither result nor error")
	}
	if r.Result.RecordList == nil {
		return nil, nil, errors.New("result has no recordList")
	}
	values, warnings := r.Result.values(want, n)
	return values, warnings, nil
}

// asError is the server's error object as an *RPCError (or, when its code
// is not an integer, as what is wrong with it).
func (o *replyErrorObject) asError() error {
	e := &collect.RPCError{Message: collect.Sanitize(string(o.Message), 200)}
	if o.Code != nil {
		c, err := strconv.Atoi(o.Code.String())
		if err != nil {
			return fmt.Errorf("error object with non-integer code %s", collect.Sanitize(o.Code.String(), 40))
		}
		e.Code = c
	}
	for _, d := range o.Data {
		if msg := collect.Sanitize(string(d.Message), 200); msg != "" {
			e.Data = append(e.Data, msg)
		}
	}
	if e.Message == "" {
		e.Message = "(no message)"
	}
	return e
}

// checkReplyID says whether a reply answers the request with id wantID
// ("" takes any).
func checkReplyID(raw json.RawMessage, wantID string) error {
	if wantID == "" {
		return nil
	}
	if len(raw) == 0 {
		return fmt.Errorf("reply has no id (want %q)", wantID)
	}
	var gotID string
	if json.Unmarshal(raw, &gotID) != nil {
		return fmt.Errorf("reply id %s is not a string (want %q)", collect.Sanitize(string(raw), 60), wantID)
	}
	if gotID != wantID {
		return fmt.Errorf("reply id %q does not match request id %q", collect.Sanitize(gotID, 60), wantID)
	}
	return nil
}

// values takes the records asked for from a result; every key not
// answered, with a value or an error entry, is a warning.
func (res *replyResult) values(want collect.Wanted, n int) (values map[string]metrics.Sample, warnings []string) {
	values = make(map[string]metrics.Sample, n)
	// The names answered without a value (not a number, an error entry):
	// few, so made only when there is one.
	var warned map[string]struct{}
	warn := func(name, warning string) {
		if warned == nil {
			warned = make(map[string]struct{})
		}
		warned[name] = struct{}{}
		warnings = append(warnings, warning)
	}
	exactAnswered := 0 // exact keys with a value: all of them, usually
	for _, rec := range *res.RecordList {
		name := string(rec.Record.Name)
		if !rec.exact && !want.Has(name) {
			continue
		}
		sample, ok := parseSample(string(rec.Record.DataType), string(rec.Record.CurrentValue))
		if !ok {
			warn(name, fmt.Sprintf("not a number: %s = %q (%s)", collect.Sanitize(name, 120),
				collect.Sanitize(string(rec.Record.CurrentValue), 40), collect.Sanitize(string(rec.Record.DataType), 20)))
			continue
		}
		n := len(values)
		values[name] = sample
		if rec.exact && len(values) > n {
			exactAnswered++
		}
	}
	if res.ErrorList != nil {
		for _, e := range *res.ErrorList {
			name := string(e.RecordName)
			warn(name, describeErrorEntry(string(e.Code), string(e.Message), collect.Sanitize(name, 120)))
		}
	}
	if exactAnswered == len(want.Exact()) {
		return values, warnings
	}
	for _, k := range want.Exact() { // no duplicates: WantedKeys drops them
		_, answered := values[k]
		if _, ok := warned[k]; !answered && !ok {
			warnings = append(warnings, "not reported by server: "+collect.Sanitize(k, 120))
		}
	}
	return values, warnings
}

// parseSample converts a record value. COUNTER and INT are integral; FLOAT
// (and, for an unknown type, a value that looks fractional) sets Float.
func parseSample(dataType, value string) (metrics.Sample, bool) {
	v := strings.TrimSpace(value)
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return metrics.Sample{}, false
	}
	var isFloat bool
	switch strings.ToUpper(dataType) {
	case "FLOAT":
		isFloat = true
	case "COUNTER", "INT":
		isFloat = false
	default:
		isFloat = strings.ContainsAny(v, ".eE")
	}
	return metrics.Sample{Value: f, Float: isFloat}, true
}

// errorListText maps ATS record error codes (src/mgmt/rpc/handlers/common/
// RecordsUtils.cc) to short lower-case descriptions.
var errorListText = map[string]string{
	"2000": "record not found",
	"2001": "not a configuration record",
	"2002": "not a metric",
	"2003": "invalid record name",
	"2004": "validity check failed",
	"2005": "error reading record",
	"2006": "record not writable",
	"2007": "record type mismatch",
	"2008": "invalid request data",
}

// describeErrorEntry renders one errorList entry as a warning:
// "record not found: proxy.process.foo (2000)".
func describeErrorEntry(code, message, name string) string {
	code = collect.Sanitize(code, 20)
	text, ok := errorListText[code]
	if !ok {
		text = strings.TrimRight(collect.Sanitize(message, 120), ".")
		if text == "" {
			text = "server error"
		} else if len(text) > 1 && text[0] >= 'A' && text[0] <= 'Z' && text[1] >= 'a' && text[1] <= 'z' {
			text = strings.ToLower(text[:1]) + text[1:]
		}
	}
	var b strings.Builder
	b.WriteString(text)
	if name != "" {
		b.WriteString(": ")
		b.WriteString(name)
	}
	if code != "" {
		b.WriteString(" (")
		b.WriteString(code)
		b.WriteString(")")
	}
	return b.String()
}
