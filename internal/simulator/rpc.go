package simulator

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// JSON-RPC error codes and messages as ATS 10 sends them
// (src/mgmt/rpc/jsonrpc/error/RPCError.{h,cc}).
const (
	codeParseError     = -32700
	codeInvalidRequest = -32600
	codeMethodNotFound = -32601
	codeInvalidVersion = 1
	codeVersionType    = 2
	codeMissingVersion = 3
	codeMethodType     = 4
	codeMissingMethod  = 5
	codeParamType      = 6
	codeIDType         = 7
	codeNullID         = 8
	codeUnauthorized   = 10
	codeEmptyID        = 11
)

var rpcMessages = map[int]string{
	codeParseError:     "Parse error",
	codeInvalidRequest: "Invalid Request",
	codeMethodNotFound: "Method not found",
	codeInvalidVersion: "Invalid version, 2.0 only",
	codeVersionType:    "Invalid version type, should be a string",
	codeMissingVersion: "Missing version field",
	codeMethodType:     "Invalid method type, should be a string",
	codeMissingMethod:  "Missing method field",
	codeParamType:      "Invalid params type. A Structured value is expected",
	codeIDType:         "Invalid id type",
	codeNullID:         "Use of null as id is discouraged",
	codeUnauthorized:   "Unauthorized action",
	codeEmptyID:        "Use of an empty string as id is discouraged",
}

// Record error codes inside errorList (strings on the wire), from
// src/mgmt/rpc/handlers/common/RecordsUtils.cc.
const (
	recNotFound     = "2000"
	recGeneralError = "2005"
	recTypeMismatch = "2007"
	recInvalidData  = "2008"
)

var recMessages = map[string]string{
	recNotFound:     "Record not found.",
	recGeneralError: "Error reading the record.",
	recTypeMismatch: "Found record does not match the requested type",
	recInvalidData:  "Invalid request data provided",
}

// lookupMode alters admin_lookup_records for fault injection and emulation.
type lookupMode struct {
	allNotFound   bool // FaultErrorList: report every requested name as not found
	crashOnString bool // emulate released 10.2.0: a regex matching a STRING metric kills the server
}

// respond computes the reply to one request body. ok=false means the
// server sends nothing (emulated crash).
func (s *Server) respond(body []byte, mode lookupMode) (reply []byte, ok bool) {
	trim := bytes.TrimSpace(body)
	if !json.Valid(trim) {
		// ATS parses requests with yaml-cpp: broken JSON in braces is a
		// parse error, bare text is a valid YAML scalar and so merely an
		// invalid request (see malformed_json.json, malformed_not_json.json).
		if len(trim) > 0 && (trim[0] == '{' || trim[0] == '[') {
			return errorReply(nil, codeParseError, nil), true
		}
		return errorReply(nil, codeInvalidRequest, nil), true
	}
	switch trim[0] {
	case '{':
		return s.respondOne(trim, mode)
	case '[':
		var elems []json.RawMessage
		if json.Unmarshal(trim, &elems) != nil || len(elems) == 0 {
			return errorReply(nil, codeInvalidRequest, nil), true
		}
		out := []byte{'['}
		for i, e := range elems {
			r, ok := s.respondOne(e, mode)
			if !ok {
				return nil, false
			}
			if i > 0 {
				out = append(out, ", "...)
			}
			out = append(out, r...)
		}
		return append(out, ']'), true
	}
	return errorReply(nil, codeInvalidRequest, nil), true
}

func (s *Server) respondOne(msg []byte, mode lookupMode) ([]byte, bool) {
	var obj map[string]json.RawMessage
	if json.Unmarshal(msg, &obj) != nil {
		return errorReply(nil, codeInvalidRequest, nil), true
	}
	rawID, hasID := obj["id"]
	if !hasID {
		// ATS answers a notification (no id) with Invalid Request.
		return errorReply(nil, codeInvalidRequest, nil), true
	}
	id, code := parseID(rawID)
	if code != 0 {
		return errorReply(nil, code, nil), true
	}
	if v, ok := obj["jsonrpc"]; !ok {
		return errorReply(id, codeMissingVersion, nil), true
	} else if str, isStr := jsonString(v); !isStr {
		return errorReply(id, codeVersionType, nil), true
	} else if str != "2.0" {
		return errorReply(id, codeInvalidVersion, nil), true
	}
	var method string
	if m, ok := obj["method"]; !ok {
		return errorReply(id, codeMissingMethod, nil), true
	} else if str, isStr := jsonString(m); !isStr {
		return errorReply(id, codeMethodType, nil), true
	} else {
		method = str
	}
	switch method {
	case "admin_lookup_records":
		result, code, crashed := s.lookup(obj["params"], mode)
		if crashed {
			return nil, false
		}
		if code != 0 {
			return errorReply(id, code, nil), true
		}
		b := make([]byte, 0, len(result)+64)
		b = append(b, `{"jsonrpc": "2.0", "result": `...)
		b = append(b, result...)
		b = appendID(b, id)
		return append(b, '}'), true
	}
	return errorReply(id, codeMethodNotFound, nil), true
}

// parseID returns the id as the server echoes it (always a string) or a
// non-zero error code.
func parseID(raw json.RawMessage) (*string, int) {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0:
		return nil, codeIDType
	case raw[0] == '"':
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return nil, codeIDType
		}
		if s == "" {
			return nil, codeEmptyID
		}
		return &s, 0
	case bytes.Equal(raw, []byte("null")):
		return nil, codeNullID
	case raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9'):
		s := string(raw) // numbers come back as strings: 10 → "10"
		return &s, 0
	}
	return nil, codeIDType
}

func jsonString(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '"' {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// errorReply renders {"jsonrpc": "2.0", "error": {...}[, "id": "..."]}.
func errorReply(id *string, code int, data [][2]string) []byte {
	b := make([]byte, 0, 128)
	b = append(b, `{"jsonrpc": "2.0", "error": {"code": `...)
	b = strconv.AppendInt(b, int64(code), 10)
	b = append(b, `, "message": `...)
	b = appendPyString(b, rpcMessages[code])
	if len(data) > 0 {
		b = append(b, `, "data": [`...)
		for i, d := range data {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = append(b, `{"code": `...)
			b = append(b, d[0]...)
			b = append(b, `, "message": `...)
			b = appendPyString(b, d[1])
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, '}')
	b = appendID(b, id)
	return append(b, '}')
}

func appendID(b []byte, id *string) []byte {
	if id == nil {
		return b
	}
	b = append(b, `, "id": `...)
	return appendPyString(b, *id)
}

type lookupParam struct {
	name    string
	isRegex bool
	mask    int
}

var validRecTypes = map[int]bool{0: true, 1: true, 2: true, 4: true, 16: true, 32: true, 63: true}

// decodeLookupParam mirrors ATS's YAML convert<RequestRecordElement>:
// exactly one of record_name / record_name_regex, optional rec_types of
// single RecT values.
func decodeLookupParam(raw json.RawMessage) (lookupParam, bool) {
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) != nil {
		return lookupParam{}, false
	}
	nameRaw, hasName := obj["record_name"]
	regexRaw, hasRegex := obj["record_name_regex"]
	if hasName == hasRegex {
		return lookupParam{}, false
	}
	p := lookupParam{mask: rectAll}
	if tr, ok := obj["rec_types"]; ok && bytes.HasPrefix(bytes.TrimSpace(tr), []byte("[")) {
		var types []json.RawMessage
		if json.Unmarshal(tr, &types) != nil {
			return lookupParam{}, false
		}
		if len(types) > 0 {
			p.mask = 0
		}
		for _, t := range types {
			v, ok := scalarInt(t)
			if !ok || !validRecTypes[v] {
				return lookupParam{}, false
			}
			p.mask |= v
		}
	}
	v := nameRaw
	if hasRegex {
		v, p.isRegex = regexRaw, true
	}
	name, ok := scalarString(v)
	if !ok {
		return lookupParam{}, false
	}
	p.name = name
	return p, true
}

// scalarString accepts what yaml-cpp's as<std::string>() accepts: any
// scalar.
func scalarString(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if s, ok := jsonString(raw); ok {
		return s, true
	}
	if len(raw) == 0 || raw[0] == '{' || raw[0] == '[' || bytes.Equal(raw, []byte("null")) {
		return "", false
	}
	return string(raw), true
}

func scalarInt(raw json.RawMessage) (int, bool) {
	s, ok := scalarString(raw)
	if !ok {
		return 0, false
	}
	v, err := strconv.Atoi(strings.TrimSpace(s))
	return v, err == nil
}

// lookup runs admin_lookup_records and returns the result object, or a
// top-level error code, or crashed=true.
func (s *Server) lookup(params json.RawMessage, mode lookupMode) (result []byte, code int, crashed bool) {
	elems, errs, code := splitLookupParams(params)
	if code != 0 {
		return nil, code, false
	}
	var hits []recordHit
	for _, e := range elems {
		p, ok := decodeLookupParam(e)
		switch {
		case !ok:
			errs = append(errs, errEntry{code: recInvalidData})
		case mode.allNotFound:
			for _, n := range requestedNames(p) {
				errs = append(errs, errEntry{code: recNotFound, name: n})
			}
		case !p.isRegex:
			hit, e := lookupByName(p)
			if e.code != "" {
				errs = append(errs, e)
			} else {
				hits = append(hits, hit)
			}
		default:
			found, e, crash := lookupByRegex(p, mode)
			if crash {
				return nil, 0, true
			}
			if e.code != "" {
				errs = append(errs, e)
			}
			hits = append(hits, found...)
		}
	}
	return s.appendLookupResult(hits, errs), 0, false
}

// recordHit is a record a lookup returns, with the class it reports.
type recordHit struct {
	rec    int
	class  int
	byName bool
}

// splitLookupParams splits params into request elements; a params object
// yields one invalid-data error per pair, as ATS does (iterating a map
// yields its pairs, none of which decodes as a request element:
// params_object_not_array.json); a non-zero code rejects the request.
func splitLookupParams(params json.RawMessage) ([]json.RawMessage, []errEntry, int) {
	params = bytes.TrimSpace(params)
	var elems []json.RawMessage
	var errs []errEntry
	switch {
	case len(params) == 0 || bytes.Equal(params, []byte("null")):
		// nothing to look up
	case params[0] == '[':
		if json.Unmarshal(params, &elems) != nil {
			return nil, nil, codeParamType
		}
	case params[0] == '{':
		var obj map[string]json.RawMessage
		_ = json.Unmarshal(params, &obj)
		for range obj {
			errs = append(errs, errEntry{code: recInvalidData})
		}
	default:
		return nil, nil, codeParamType
	}
	return elems, errs, 0
}

// lookupByName finds one record by exact name. A lookup by exact name
// reports metrics with record_class 32 (every capture shows this);
// configs keep class 1.
func lookupByName(p lookupParam) (recordHit, errEntry) {
	i, ok := recordIndex[p.name]
	if !ok {
		return recordHit{}, errEntry{code: recNotFound, name: p.name}
	}
	class := rectPlugin
	if records[i].kind == kConfig {
		class = rectConfig
	}
	if p.mask&class == 0 {
		return recordHit{}, errEntry{code: recTypeMismatch, name: p.name}
	}
	return recordHit{rec: i, class: class, byName: true}, errEntry{}
}

// lookupByRegex finds the records whose name matches; crash says the
// request would bring down a released 10.2.0 (a STRING metric matched).
func lookupByRegex(p lookupParam, mode lookupMode) (hits []recordHit, e errEntry, crash bool) {
	re, err := regexp.Compile("(?i)" + p.name)
	if err != nil {
		return nil, errEntry{code: recGeneralError, name: p.name}, false
	}
	for i := range records {
		class := rectProcess
		if records[i].kind == kConfig {
			class = rectConfig
		}
		if p.mask&class == 0 || !re.MatchString(records[i].name) {
			continue
		}
		if mode.crashOnString && records[i].dt == dtString && class == rectProcess {
			return nil, errEntry{}, true
		}
		hits = append(hits, recordHit{rec: i, class: class})
	}
	return hits, errEntry{}, false
}

// appendLookupResult writes the result object as ATS does: every hit's
// current value, then the error list.
func (s *Server) appendLookupResult(hits []recordHit, errs []errEntry) []byte {
	b := make([]byte, 0, 64+len(hits)*400)
	b = append(b, `{"recordList": [`...)
	if len(hits) > 0 {
		s.mu.Lock()
		now := s.clock()
		s.model.advance(now)
		first := true
		for _, h := range hits {
			if !s.model.present(h.rec, now) {
				// Not created yet (families.go): a lookup by name
				// finds no such record; a regex passes over it.
				if h.byName {
					errs = append(errs, errEntry{code: recNotFound, name: records[h.rec].name})
				}
				continue
			}
			if !first {
				b = append(b, ", "...)
			}
			first = false
			b = appendRecord(b, h.rec, h.class, s.model.valueString(h.rec, now))
		}
		s.mu.Unlock()
	}
	b = append(b, `], "errorList": [`...)
	for j, e := range errs {
		if j > 0 {
			b = append(b, ", "...)
		}
		b = append(b, `{"code": "`...)
		b = append(b, e.code...)
		b = append(b, `", "message": `...)
		b = appendPyString(b, recMessages[e.code])
		if e.name != "" {
			b = append(b, `, "record_name": `...)
			b = appendPyString(b, e.name)
		}
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

type errEntry struct {
	code string
	name string
}

// requestedNames lists the names a lookup element asks for: the name, or
// for an anchored alternation of quoted names ^(a\.b|c\.d)$ each of them.
func requestedNames(p lookupParam) []string {
	if !p.isRegex {
		return []string{p.name}
	}
	inner, ok := strings.CutPrefix(p.name, "^(")
	if ok {
		inner, ok = strings.CutSuffix(inner, ")$")
	}
	if !ok {
		return []string{p.name}
	}
	var names []string
	var cur strings.Builder
	escaped := false
	for _, r := range inner {
		switch {
		case escaped:
			cur.WriteRune(r)
			escaped = false
		case r == '\\':
			escaped = true
		case r == '|':
			names = append(names, cur.String())
			cur.Reset()
		default:
			cur.WriteRune(r)
		}
	}
	return append(names, cur.String())
}

// appendRecord renders one recordList entry exactly as ATS 10.2 does (field
// order and separators from the captures).
func appendRecord(b []byte, i, class int, value string) []byte {
	r := &records[i]
	b = append(b, `{"record": {"record_name": `...)
	b = appendPyString(b, r.name)
	b = append(b, `, "record_type": "`...)
	b = strconv.AppendInt(b, int64(r.dt), 10)
	b = append(b, `", "version": "0", "registered": `...)
	if r.kind == kConfig {
		b = append(b, `"true", "raw_stat_block": "0", "order": "`...)
		b = strconv.AppendInt(b, int64(r.order), 10)
		b = append(b, `", "config_meta": {"access_type": "0", "update_status": "0", "update_type": "2", "checktype": "0", "source": "3", "check_expr": "null"}`...)
	} else {
		b = append(b, `"false", "raw_stat_block": "0", "order": "0", "stat_meta": {"persist_type": "0"}`...)
	}
	b = append(b, `, "record_class": "`...)
	b = strconv.AppendInt(b, int64(class), 10)
	b = append(b, `", "overridable": "false", "data_type": "`...)
	b = append(b, r.dt.name()...)
	b = append(b, `", "current_value": `...)
	b = appendPyString(b, value)
	b = append(b, `, "default_value": `...)
	switch {
	case r.kind == kConfig:
		b = appendPyString(b, r.def)
	case r.dt == dtString:
		b = append(b, `"null"`...)
	default:
		b = append(b, `"0"`...)
	}
	return append(b, "}}"...)
}

// appendPyString appends s as a JSON string escaped the way Python's
// json.dumps does by default (ensure_ascii): \" \\ \n \r \t \b \f, other
// control characters and all non-ASCII as \uXXXX (surrogate pairs above the
// BMP). Invalid UTF-8 becomes U+FFFD.
func appendPyString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for _, r := range s {
		switch {
		case r == '"':
			b = append(b, `\"`...)
		case r == '\\':
			b = append(b, `\\`...)
		case r == '\n':
			b = append(b, `\n`...)
		case r == '\r':
			b = append(b, `\r`...)
		case r == '\t':
			b = append(b, `\t`...)
		case r == '\b':
			b = append(b, `\b`...)
		case r == '\f':
			b = append(b, `\f`...)
		case r < 0x20 || (r >= 0x7f && r < utf8.RuneSelf):
			b = append(b, '\\', 'u', '0', '0', hex[r>>4], hex[r&0xf])
		case r < utf8.RuneSelf:
			b = append(b, byte(r))
		default:
			units := []rune{r}
			if r > 0xffff {
				r1, r2 := utf16.EncodeRune(r)
				units = []rune{r1, r2}
			}
			for _, u := range units {
				b = append(b, '\\', 'u', hex[u>>12&0xf], hex[u>>8&0xf], hex[u>>4&0xf], hex[u&0xf])
			}
		}
	}
	return append(b, '"')
}

// unauthorizedReply is the error object ATS sends when a restricted call
// comes from an unprivileged peer.
func unauthorizedReply(id *string, uid, gid int) []byte {
	return errorReply(id, codeUnauthorized, [][2]string{{"2",
		"Denied privileged API access for uid=" + strconv.Itoa(uid) + " gid=" + strconv.Itoa(gid)}})
}

// requestID extracts the id of a single request, best effort.
func requestID(body []byte) *string {
	var obj struct {
		ID json.RawMessage `json:"id"`
	}
	if json.Unmarshal(bytes.TrimSpace(body), &obj) != nil || obj.ID == nil {
		return nil
	}
	id, code := parseID(obj.ID)
	if code != 0 {
		return nil
	}
	return id
}
