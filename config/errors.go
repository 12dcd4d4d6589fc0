package config

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Error is one problem found in a dashboard.
//
// Its text is "FILE:LINE: FIELD: MSG", for example
//
//	dash.yaml:12: pages[0].panels[1].metrics[0].type: unknown metric type "rate" (want counter, gauge, hit_rate or latency)
//
// Parts that are not known are left out with their separator: problems with
// the whole file have no line or field ("dash.yaml: no pages defined"), and
// Dashboard.Validate, which has no file, gives "FIELD: MSG".
type Error struct {
	File  string // file name as given to Load or Parse; "" from Validate
	Line  int    // 1-based line; 0 when unknown
	Field string // path of the field, e.g. "pages[0].panels[1].title"; "" for the whole file
	Msg   string
	// Column (1-based, 0 when unknown) and Detail point into a field's
	// text: an expression's problem, with its line and a caret under it.
	Column int
	Detail string

	err error // underlying error (reading the file), for errors.Is
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		if e.File != "" {
			b.WriteByte(':')
		}
		b.WriteString(strconv.Itoa(e.Line))
		if e.Column > 0 {
			b.WriteByte(':')
			b.WriteString(strconv.Itoa(e.Column))
		}
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	if e.Detail != "" {
		b.WriteByte('\n')
		b.WriteString(e.Detail)
	}
	return b.String()
}

// Unwrap returns the underlying I/O error, if any.
func (e *Error) Unwrap() error { return e.err }

// MaxReportedErrors is how many errors ErrorList.Error prints; the rest are
// counted in a last line.
const MaxReportedErrors = 20

// ErrorList is every problem found in a dashboard, in line order. Load,
// Parse and Validate return one (never empty) when anything is wrong;
// errors.As(err, &e) with e an *Error finds the first.
type ErrorList []*Error

// Error prints the first MaxReportedErrors errors, one per line, and then
// "... and N more errors" if there are more.
func (l ErrorList) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i == MaxReportedErrors {
			fmt.Fprintf(&b, "\n... and %d more errors", len(l)-i)
			break
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap gives errors.Is and errors.As access to each error.
func (l ErrorList) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}

// maxCollected bounds how many errors are kept, so that a large broken file
// cannot make a huge list.
const maxCollected = 1000

// reporter collects errors for one file. Structural errors are recorded as
// the YAML is walked; the semantic checks in validate.go then run on the
// decoded dashboard, finding lines through lines and staying quiet about
// fields (and their children) that were already reported as malformed.
type reporter struct {
	file    string
	lines   map[string]int  // field path → line; nil for Validate
	skip    map[string]bool // field paths whose problems are already reported
	errs    ErrorList
	dropped bool
}

// add records an error at the line of path (or of its nearest ancestor with
// a known line), unless path or an ancestor was already reported.
func (r *reporter) add(path, format string, args ...any) {
	if r.skipped(path) {
		return
	}
	r.addAt(r.lineOf(path), path, format, args...)
}

// addAt records an error at an explicit line and marks path (unless it is
// "", the whole file) as reported.
func (r *reporter) addAt(line int, path, format string, args ...any) {
	if path != "" {
		r.markSkip(path)
	}
	r.note(line, path, format, args...)
}

// note records an error without silencing later ones about path.
func (r *reporter) note(line int, path, format string, args ...any) {
	if len(r.errs) >= maxCollected {
		r.dropped = true
		return
	}
	r.errs = append(r.errs, &Error{File: r.file, Line: line, Field: path, Msg: fmt.Sprintf(format, args...)})
}

// addIn records an error inside a field's text: at pos when the field
// came from a file (else at the field's line), with detail under it.
func (r *reporter) addIn(path string, pos SourcePos, detail, format string, args ...any) {
	if r.skipped(path) || len(r.errs) >= maxCollected {
		return
	}
	r.markSkip(path)
	e := &Error{File: r.file, Line: r.lineOf(path), Field: path, Msg: fmt.Sprintf(format, args...), Detail: detail}
	if pos.Line > 0 && r.lines != nil {
		e.Line, e.Column = pos.Line, pos.Column
	}
	r.errs = append(r.errs, e)
}

// full reports whether no more errors will be kept.
func (r *reporter) full() bool { return len(r.errs) >= maxCollected }

// markSkip silences later semantic errors about path and its children;
// "" silences them all.
func (r *reporter) markSkip(path string) {
	if r.skip == nil {
		r.skip = map[string]bool{}
	}
	r.skip[path] = true
}

func (r *reporter) lineOf(path string) int {
	if r.lines == nil {
		return 0
	}
	for {
		if l, ok := r.lines[path]; ok {
			return l
		}
		if path == "" {
			return 0
		}
		path = parentPath(path)
	}
}

func (r *reporter) skipped(path string) bool {
	if r.skip == nil {
		return false
	}
	for {
		if r.skip[path] {
			return true
		}
		if path == "" {
			return false
		}
		path = parentPath(path)
	}
}

// result returns the collected errors sorted by line (stably, so errors on
// one line keep the order they were found in) as an ErrorList, or nil.
func (r *reporter) result() error {
	if len(r.errs) == 0 {
		return nil
	}
	errs := r.errs
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
	if r.dropped {
		errs = append(errs, &Error{File: r.file, Msg: fmt.Sprintf("too many errors; stopped after %d", maxCollected)})
	}
	return errs
}

// parentPath strips the last ".field" or "[i]" from a field path.
func parentPath(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i < 0 {
		return ""
	}
	return p[:i]
}

// suggest returns the candidate closest to s (equal ignoring case, or within
// edit distance 2 and at most half of s's length), or "".
func suggest(s string, candidates []string) string {
	best, bestD := "", 1<<30
	ls := strings.ToLower(s)
	for _, c := range candidates {
		lc := strings.ToLower(c)
		if lc == ls {
			return c
		}
		if d := editDistance(ls, lc); d < bestD {
			best, bestD = c, d
		}
	}
	if bestD <= 2 && bestD*2 <= len(s) {
		return best
	}
	return ""
}

// editDistance is the Levenshtein distance in bytes. Its inputs are meant to
// be short field and type names; anything long is not a typo of one.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 1 << 20
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// orList formats ["a", "b", "c"] as "a, b or c".
func orList(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}

// andList formats ["a", "b", "c"] as "a, b and c".
func andList(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}
