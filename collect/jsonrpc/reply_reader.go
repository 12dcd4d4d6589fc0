package jsonrpc

import (
	"github.com/traffic-grapher/traffic_grapher/collect/jsonread"
)

// A one-pass reader of admin_lookup_records replies. Every record of a
// reply carries a dozen metadata fields besides the three read here
// (record_type, version, order, stat_meta, …); encoding/json checked and
// decoded each through reflection, which was a third of the program's
// CPU with four hosts. This reads the usual reply in place and skips the
// rest. It knows only that usual shape: anything else (an error object,
// a field of another type, a name that encoding/json would match by
// case, a key given twice) and it gives up, and the reply is read by
// encoding/json as before, with its error messages. So what it returns is
// what encoding/json would have: FuzzLookupReplyReader checks that.

// readLookupReply reads the reply's result and id; ok false when the
// reply is not of the usual shape. Record names are made strings by
// intern (nil: anew), which also says which are exact keys; the record
// list is made in list's memory (nil: a new one).
func readLookupReply(body []byte, intern func([]byte) (string, bool), list *[]replyRecord) (res *replyResult, id []byte, ok bool) {
	r := jsonread.New(body)
	err := readFields(r, func(name string) error {
		switch name {
		case "jsonrpc":
			return stringField(r, new(flexString))
		case "result":
			res = &replyResult{}
			return readResult(r, res, len(body), intern, list)
		case "id":
			var err error
			id, err = r.Span()
			return err
		}
		if r.NotNull() { // "error": the server's, read by encoding/json
			return errUnusual
		}
		return nil
	}, "jsonrpc", "result", "id", "error")
	if err != nil || !r.AtEnd() {
		return nil, nil, false
	}
	return res, id, true
}

// readResult reads the result of a reply of size bytes (intern and list
// as for readLookupReply).
func readResult(r *jsonread.Reader, res *replyResult, size int, intern func([]byte) (string, bool), list *[]replyRecord) error {
	if !r.NotNull() {
		return errUnusual
	}
	return readFields(r, func(name string) error {
		if !r.NotNull() {
			return errUnusual
		}
		if name == "recordList" {
			// A record takes 300 bytes and more (a dozen metadata
			// fields): room for all of them at once, not by doubling.
			if list == nil {
				list = new([]replyRecord)
			}
			if room := min(size/256, 1<<16) + 1; cap(*list) < room {
				*list = make([]replyRecord, 0, room)
			}
			*list = (*list)[:0]
			res.RecordList = list
			return r.Array(func() error {
				*list = append(*list, replyRecord{})
				rec := &(*list)[len(*list)-1]
				return readFields(r, func(string) error {
					return readFields(r, func(name string) error {
						switch name {
						case "record_name":
							return nameField(r, rec, intern)
						case "data_type":
							return typeField(r, &rec.Record.DataType)
						}
						return stringField(r, &rec.Record.CurrentValue)
					}, "record_name", "data_type", "current_value")
				}, "record")
			})
		}
		var list []replyErrorEntry
		res.ErrorList = &list
		return r.Array(func() error {
			list = append(list, replyErrorEntry{})
			e := &list[len(list)-1]
			return readFields(r, func(name string) error {
				switch name {
				case "code":
					return stringField(r, &e.Code)
				case "message":
					return stringField(r, &e.Message)
				}
				return stringField(r, &e.RecordName)
			}, "code", "message", "record_name")
		})
	}, "recordList", "errorList")
}

// readFields reads an object, calling field with the reader at the value
// of each key that is one of known (field is given that name); other
// keys are skipped. The object is unusual (errUnusual) when a known name
// comes twice or a key would match one only as encoding/json matches.
func readFields(r *jsonread.Reader, field func(name string) error, known ...string) error {
	var seen fieldSet
	return r.Object(func(key []byte) error {
		name := seen.add(key, known...)
		switch {
		case seen.unusual:
			return errUnusual
		case name == "":
			return r.Skip()
		}
		return field(name)
	})
}

// stringField reads a string (or null, "") into f, as flexString does; a
// number or a literal, which flexString also takes, is unusual here.
func stringField(r *jsonread.Reader, f *flexString) error {
	b, err := fieldBytes(r)
	*f = flexString(b)
	return err
}

// nameField is stringField for a record's name, made a string by intern
// (nil: anew), which says whether it is an exact key.
func nameField(r *jsonread.Reader, rec *replyRecord, intern func([]byte) (string, bool)) error {
	if intern == nil {
		return stringField(r, &rec.Record.Name)
	}
	b, err := fieldBytes(r)
	name, exact := intern(b)
	rec.Record.Name, rec.exact = flexString(name), exact
	return err
}

// typeField is stringField for a record's data_type, whose few values
// are not made anew for every record of every reply.
func typeField(r *jsonread.Reader, f *flexString) error {
	b, err := fieldBytes(r)
	for _, t := range dataTypes {
		if string(b) == t {
			*f = flexString(t)
			return err
		}
	}
	*f = flexString(b)
	return err
}

var dataTypes = [...]string{"COUNTER", "INT", "FLOAT", "STRING"}

// fieldBytes reads a string field's bytes (null: none).
func fieldBytes(r *jsonread.Reader) ([]byte, error) {
	if c := r.Peek(); c != '"' && c != 'n' {
		return nil, errUnusual
	}
	return r.Bytes()
}

// errUnusual stops the reader at a reply it does not know the shape of.
var errUnusual = &unusualReply{}

type unusualReply struct{}

func (*unusualReply) Error() string { return "not the usual reply" }

// fieldSet is the keys met in one object: add says which of the known
// names a key is ("" for one to skip), and marks the object unusual when
// a known name comes twice (encoding/json would merge or overwrite) or a
// key would match a known name only as encoding/json matches, without
// regard to case.
type fieldSet struct {
	seen    uint8 // bit i: known[i] was met
	unusual bool
}

func (s *fieldSet) add(key []byte, known ...string) string {
	for i, k := range known {
		if string(key) == k {
			if s.seen&(1<<i) != 0 {
				s.unusual = true
			}
			s.seen |= 1 << i
			return k
		}
	}
	ascii := isASCII(key)
	for _, k := range known {
		if foldsTo(key, ascii, k) {
			s.unusual = true
		}
	}
	return ""
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// foldsTo says whether encoding/json could take key (ascii: all of it is
// ASCII) for the field named k: equal but for ASCII case, or holding bytes
// outside ASCII (which encoding/json folds in ways not worth copying: "ſ"
// is an "s") and at least as long.
func foldsTo(key []byte, ascii bool, k string) bool {
	if len(key) < len(k) {
		return false // a non-ASCII fold can only be longer
	}
	if !ascii {
		return true
	}
	if len(key) != len(k) {
		return false
	}
	for i := range key {
		a, b := key[i]|0x20, k[i]|0x20
		if a != b || (a < 'a' || a > 'z') && key[i] != k[i] {
			return false
		}
	}
	return true
}
