package sshconn

import "strings"

// ShellQuote quotes one argument for the remote user's POSIX shell, which
// is what runs an SSH exec request. Single quotes make every byte literal;
// an embedded single quote is closed, escaped and reopened.
func ShellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:=@%+-") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// ShellJoin quotes and joins argv into the single command string an exec
// request carries. Arguments are never pasted unquoted.
func ShellJoin(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = ShellQuote(a)
	}
	return strings.Join(q, " ")
}
