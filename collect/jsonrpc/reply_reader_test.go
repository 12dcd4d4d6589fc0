package jsonrpc

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/traffic-grapher/traffic_grapher/collect"
)

// The reader reads the usual reply, and leaves every other one to
// encoding/json.
func TestReadLookupReply(t *testing.T) {
	for _, c := range []struct {
		name, body string
		ok         bool
	}{
		{"the usual reply", `{"jsonrpc": "2.0", "result": {"recordList": [{"record": {"record_name": "a", "record_type": "4", "stat_meta": {"persist_type": "0"}, "data_type": "COUNTER", "current_value": "7"}}], "errorList": []}, "id": "1"}`, true},
		{"error entries", `{"result": {"recordList": [], "errorList": [{"code": "2000", "record_name": "b"}]}, "id": "1"}`, true},
		{"escapes and other letters in strings", `{"result": {"recordList": [{"record": {"record_name": "a\u00e9\n", "current_value": "é"}}]}, "id": 7}`, true},
		{"a null error", `{"result": {"recordList": []}, "error": null, "id": "1"}`, true},
		{"an error object", `{"error": {"code": 5, "message": "x"}, "id": "1"}`, false},
		{"a key in another case", `{"Result": {"recordList": []}, "id": "1"}`, false},
		{"a key outside ASCII", `{"reſult": {"recordList": []}, "id": "1"}`, false},
		{"a key given twice", `{"result": {"recordList": []}, "result": {"errorList": []}, "id": "1"}`, false},
		{"a record name given twice", `{"result": {"recordList": [{"record": {"record_name": "a", "record_name": "b"}}]}}`, false},
		{"a number for a string", `{"result": {"recordList": [{"record": {"record_name": "a", "current_value": 7}}]}}`, false},
		{"a null record", `{"result": {"recordList": [null]}}`, false},
		{"a null result", `{"result": null, "id": "1"}`, false},
		{"data after the reply", `{"result": {"recordList": []}} {}`, false},
		{"not JSON", `{"result": {"recordList": [}`, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, _, ok := readLookupReply([]byte(c.body), nil, nil); ok != c.ok {
				t.Errorf("read %v, want %v", ok, c.ok)
			}
		})
	}
}

// FuzzLookupReplyReader: whatever the one-pass reader reads, encoding/json
// reads the same way: the same records, error entries and id, and no
// error object.
func FuzzLookupReplyReader(f *testing.F) {
	for _, c := range loadCaptures(f, localCaptureDir) {
		f.Add(c.response)
	}
	for _, s := range []string{
		`{"jsonrpc": "2.0", "result": {"recordList": [{"record": {"record_name": "a", "data_type": "FLOAT", "current_value": "1.5", "x": [1, {"y": null}]}}], "errorList": [{"code": "2000", "message": "m", "record_name": "b"}]}, "id": "1"}`,
		`{"result": {"recordList": [{"record": {"record_name": "\u0041\ud800", "current_value": null}}]}, "id": null}`,
		`{"result": {"RecordList": [], "recordList": []}, "id": "1"}`,
		`{"result": {"recordList": [{"Record": {}}]}, "id": "1"}`,
		`{"jsonrpc": true, "result": {"recordList": []}}`,
		`{"result": {"recordList": [{"record": {"record_name": "a\xff"}}]}}`,
		`{"result": {"recordList": []}, "id": "1", "id": "2"}`,
		// The keys asked for, out of order, twice, and one not a number.
		`{"result": {"recordList": [{"record": {"record_name": "proxy.process.http.incoming_requests", "data_type": "COUNTER", "current_value": "3"}}, {"record": {"record_name": "a", "data_type": "INT", "current_value": "x"}}, {"record": {"record_name": "a", "data_type": "INT", "current_value": "2"}}]}, "id": "1"}`,
		`{"result": {"recordList": [{"record": {"record_name": "a", "current_value": "1"}}, {"record": {"record_name": "b", "current_value": "1"}}]}, "id": "1"}`,
	} {
		f.Add([]byte(s))
	}
	// As Fetch reads: names interned, the record list reused from one
	// reply to the next.
	want := collect.WantedKeys([]string{"a", "proxy.process.http.incoming_requests"})
	list := new([]replyRecord)
	f.Fuzz(func(t *testing.T, body []byte) {
		res, id, ok := readLookupReply(body, want.Intern, list)
		if !ok {
			return
		}
		var ref reply
		if err := json.Unmarshal(body, &ref); err != nil {
			t.Fatalf("read what encoding/json refuses: %v", err)
		}
		if ref.Error != nil {
			t.Fatalf("read a reply with an error object")
		}
		if string(id) != string(ref.ID) {
			t.Fatalf("id %q, encoding/json %q", id, ref.ID)
		}
		if got, want := describeResult(res), describeResult(ref.Result); got != want {
			t.Fatalf("read\n%s\nencoding/json\n%s", got, want)
		}
		if res == nil || res.RecordList == nil {
			return
		}
		// What is taken from it, where the reader's marks of exact keys
		// stand for encoding/json's lookups.
		gotV, gotW := res.values(want, 2)
		wantV, wantW := ref.Result.values(want, 2)
		if !maps.Equal(gotV, wantV) || !slices.Equal(gotW, wantW) {
			t.Fatalf("values %v %q, from encoding/json's %v %q", gotV, gotW, wantV, wantW)
		}
	})
}

// describeResult is what values() reads of a result, as text.
func describeResult(r *replyResult) string {
	if r == nil {
		return "no result"
	}
	s := ""
	if r.RecordList == nil {
		s += "no recordList;"
	} else {
		for _, rec := range *r.RecordList {
			s += fmt.Sprintf("record %q %q %q;", rec.Record.Name, rec.Record.DataType, rec.Record.CurrentValue)
		}
	}
	if r.ErrorList == nil {
		s += "no errorList"
	} else {
		for _, e := range *r.ErrorList {
			s += fmt.Sprintf("error %q %q %q;", e.Code, e.Message, e.RecordName)
		}
	}
	return s
}
