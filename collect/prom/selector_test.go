package prom

import (
	"strings"
	"testing"
)

func TestParseSelector(t *testing.T) {
	tests := []struct {
		in, want string // want: canonical form
	}{
		{"node_load1", "node_load1"},
		{"node_load1{}", "node_load1"},
		{`x{device="eth0"}`, `x{device="eth0"}`},
		{` x { a = "1" , b != "2", c =~ "3|4", d !~ "5.*" , } `, `x{a="1",b!="2",c=~"3|4",d!~"5.*"}`},
		{`{__name__="node_load1",cpu="0"}`, `node_load1{cpu="0"}`},
		{`{cpu="0",__name__="node_load1"}`, `node_load1{cpu="0"}`},
		{"x{a=`back\\slash`}", `x{a="back\\slash"}`},
		{`x{a="quote\"d",b="tab\t"}`, `x{a="quote\"d",b="tab\t"}`},
		{`ns:recorded:rate5m{job="x"}`, `ns:recorded:rate5m{job="x"}`},
		{`_x9{_l9="v"}`, `_x9{_l9="v"}`},
		{`x{a="1",a!="2"}`, `x{a="1",a!="2"}`},
		{`{__name__="my.metric",a="b"}`, `{__name__="my.metric",a="b"}`},
		{`{__name__="0"}`, `{__name__="0"}`},
	}
	for _, tc := range tests {
		sel, err := parseSelector(tc.in)
		if err != nil {
			t.Errorf("parseSelector(%q): %v", tc.in, err)
			continue
		}
		if got := sel.String(); got != tc.want {
			t.Errorf("parseSelector(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestParseSelectorErrors(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"", "no metric name"},
		{"{}", "no metric name"},
		{`{a="b"}`, "no metric name"},
		{`{__name__=~"node_.*"}`, "no metric name"},
		{"9lives", "unexpected"},
		{"x y", "unexpected"},
		{"x{", "expected a label name or '}' at the end"},
		{`x{a}`, "expected =, !=, =~ or !~"},
		{`x{a=b}`, "expected a quoted value"},
		{`x{a="b"`, "expected ',' or '}' at the end"},
		{`x{a="b" c="d"}`, "expected ',' or '}'"},
		{`x{a="unterminated}`, "unterminated string"},
		{"x{a=\"\xb0\"}", "not valid UTF-8"},
		{`x{a="\xb0"}`, "not valid UTF-8"},
		{`x{a="bad \q escape"}`, "bad string"},
		{`x{a=~"("}`, "bad regular expression"},
		{`x{a:b="c"}`, "expected =, !=, =~ or !~"},
		{`x{9="c"}`, "expected a label name"},
		{`x{a=="c"}`, "expected a quoted value"},
		{`x{a='single'}`, "expected a quoted value"},
		{`sum(x)`, "unexpected"},
		{`x[1m]`, "unexpected"},
		{"x{a=\"" + strings.Repeat("v", 5000) + "\"}", "too long"},
	}
	for _, tc := range tests {
		_, err := parseSelector(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("parseSelector(%.40q) error = %v, want containing %q", tc.in, err, tc.want)
		}
	}
}

func TestSelectorMatchesLikePromQL(t *testing.T) {
	ser := &promSeries{name: "x", labels: []labelPair{{"device", "eth0"}, {"mode", "idle"}}}
	tests := []struct {
		sel  string
		want bool
	}{
		{`x`, true},
		{`x{device="eth0"}`, true},
		{`x{device="eth"}`, false},
		{`x{device=~"eth"}`, false}, // anchored at both ends
		{`x{device=~"eth.*"}`, true},
		{`x{device=~".*th0"}`, true},
		{`x{device!~"eth.*"}`, false},
		{`x{device!="eth0"}`, false},
		{`x{mode!="idle",device="eth0"}`, false},
		{`x{missing=""}`, true}, // an absent label is ""
		{`x{missing!=""}`, false},
		{`x{missing!="a"}`, true},
		{`x{missing=~"a?"}`, true},
		{`x{__name__="x"}`, true},
		{`x{__name__="y"}`, false},
		{`x{device=~"ETH0"}`, false}, // case matters, as in PromQL
		{`x{device=~"(?i)ETH0"}`, true},
	}
	for _, tc := range tests {
		sel, err := parseSelector(tc.sel)
		if err != nil {
			t.Fatal(err)
		}
		if got := sel.matchesLabels(ser); got != tc.want {
			t.Errorf("%s matches %s: %v, want %v", tc.sel, ser, got, tc.want)
		}
	}
}
