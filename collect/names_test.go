package collect

import (
	"strings"
	"testing"
)

func TestUniqueNames(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    []string
		wantErr string
	}{
		{"distinct stay", []string{"edge1", "edge2"}, []string{"edge1", "edge2"}, ""},
		{"ports tell apart", []string{"testhttp+http://127.0.0.1:18181/_stats", "testhttp+http://127.0.0.1:18182/_stats"},
			[]string{"127.0.0.1:18181", "127.0.0.1:18182"}, ""},
		{"paths tell apart", []string{"testhttp+http://10.0.0.1:8080/a", "testhttp+http://10.0.0.1:8080/b"},
			[]string{"10.0.0.1:8080/a", "10.0.0.1:8080/b"}, ""},
		{"sockets tell apart", []string{"unix:/run/x/ats1/jsonrpc20.sock", "unix:/srv/y/ats1/jsonrpc20.sock"},
			[]string{"ats1 /run/x/ats1/jsonrpc20.sock", "ats1 /srv/y/ats1/jsonrpc20.sock"}, ""},
		{"same argument four times", []string{"unix:/run/ats1/jsonrpc20.sock", "unix:/run/ats1/jsonrpc20.sock", "unix:/run/ats1/jsonrpc20.sock", "unix:/run/ats1/jsonrpc20.sock"},
			[]string{"ats1#1", "ats1#2", "ats1#3", "ats1#4"}, ""},
		{"ssh ports", []string{"edge1:2222", "edge1:2223"}, []string{"edge1:2222", "edge1:2223"}, ""},
		{"given names win", []string{"a=testhttp+http://127.0.0.1:18181/_stats", "b=testhttp+http://127.0.0.1:18182/_stats"}, []string{"a", "b"}, ""},
		{"a derived name yields to a given one", []string{"edge1=unix:/run/ats1/jsonrpc20.sock", "edge1"}, []string{"edge1", "edge1#1"}, ""},
		{"given names clash", []string{"a=edge1", "a=edge2"}, nil, `hosts 1 and 2 are both named "a"`},
		{"url with = in its query is not a name", []string{"testhttp+http://127.0.0.1:1/_stats?x=y"}, []string{"127.0.0.1"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var eps []Endpoint
			for _, a := range tt.args {
				ep, err := ParseEndpoint(a)
				if err != nil {
					t.Fatalf("%s: %v", a, err)
				}
				eps = append(eps, ep)
			}
			err := UniqueNames(eps)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for i, ep := range eps {
				if ep.Name != tt.want[i] {
					t.Errorf("host %d (%s): name %q, want %q", i, tt.args[i], ep.Name, tt.want[i])
				}
			}
		})
	}
}

func TestNaturalCompare(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"edge2", "edge10", -1}, {"edge10", "edge2", 1}, {"edge02", "edge2", 0}, {"a", "b", -1},
		{"edge", "edge1", -1}, {"pop1-edge9", "pop1-edge10", -1}, {"pop2-edge1", "pop10-edge1", -1}, {"", "", 0},
	} {
		if got := NaturalCompare(tc.a, tc.b); got != tc.want {
			t.Errorf("NaturalCompare(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}
