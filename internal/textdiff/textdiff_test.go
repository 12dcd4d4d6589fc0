package textdiff

import "testing"

func TestLines(t *testing.T) {
	for _, tc := range []struct{ want, got, diff string }{
		{"a\nb", "a\nb", ""},
		{"a\nb", "a\nc", "line 2:\n- b\n+ c\n"},
		{"a", "a\nb", "line 2:\n- \n+ b\n"},
	} {
		if d := Lines(tc.want, tc.got); d != tc.diff {
			t.Errorf("Lines(%q, %q) = %q, want %q", tc.want, tc.got, d, tc.diff)
		}
	}
}
