package main

// `atssim ctl` stands in for traffic_ctl where tests need one (the product
// runs `traffic_ctl metric get NAME...` over SSH when it cannot reach a
// remote JSON-RPC socket, and `traffic_ctl config get
// proxy.config.local_state_dir` to find the socket). It talks JSON-RPC to a
// running simulator (or a real ATS 10) and prints what traffic_ctl 10.2
// prints; see shared/samples/ats10/traffic_ctl_metric_get.txt and
// src/traffic_ctl/CtrlPrinters.cc in ATS:
//
//   - metric get: one "NAME VALUE" line per record found, in reply order,
//     the value exactly as the server sent it. Unknown names print nothing
//     at all and the exit status stays 0 (the errorList is not shown by
//     traffic_ctl's metric printer; the capture confirms it).
//   - config get: "NAME: VALUE" lines; proxy.config.local_state_dir is
//     answered with the socket's directory, so discovery finds the socket
//     (name it jsonrpc20.sock). Unknown names are listed after
//     "------------ Errors ----------" on stdout, exit status 2.
//   - a JSON-RPC error object: "Server Error found:" and the error on
//     stdout, exit status 2.
//   - socket unreachable or no reply: "Error found:" and the reason on
//     stderr, exit status 2, as traffic_ctl's main() reports exceptions.

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

const (
	// ctlTimeout is traffic_ctl's default --read-timeout-ms.
	ctlTimeout = 10 * time.Second
	// ctlMaxReply is traffic_ctl's response buffer.
	ctlMaxReply = 35600000
	// exitError is traffic_ctl's CTRL_EX_ERROR.
	exitError = 2
)

// Record classes traffic_ctl asks for (shared/rpc/RPCRequests.h).
var (
	metricRecTypes = []string{"2", "4", "32"}
	configRecTypes = []string{"1", "16"}
)

type ctlParam struct {
	RecordName string   `json:"record_name"`
	RecTypes   []string `json:"rec_types"`
}

type ctlRequest struct {
	ID      string     `json:"id"`
	JSONRPC string     `json:"jsonrpc"`
	Method  string     `json:"method"`
	Params  []ctlParam `json:"params"`
}

type ctlReply struct {
	Result *struct {
		RecordList []struct {
			Record struct {
				Name         string `json:"record_name"`
				Registered   string `json:"registered"`
				CurrentValue string `json:"current_value"`
			} `json:"record"`
		} `json:"recordList"`
		ErrorList []struct {
			Code       string `json:"code"`
			Message    string `json:"message"`
			RecordName string `json:"record_name"`
		} `json:"errorList"`
	} `json:"result"`
	Error *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Data    []struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"data"`
	} `json:"error"`
}

// runCtl runs `atssim ctl ARGS` and returns the exit status.
func runCtl(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("atssim ctl", flag.ContinueOnError)
	fs.SetOutput(stderr)
	socket := fs.String("socket", "", "the JSON-RPC socket to ask (required)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: atssim ctl --socket PATH {metric|config} get NAME...")
	}
	if err := fs.Parse(args); err != nil {
		return exitError
	}
	rest := fs.Args()
	if *socket == "" || len(rest) < 3 || rest[1] != "get" || (rest[0] != "metric" && rest[0] != "config") {
		fs.Usage()
		return exitError
	}
	names := rest[2:]
	recTypes := metricRecTypes
	if rest[0] == "config" {
		recTypes = configRecTypes
	}
	reply, err := lookup(*socket, names, recTypes)
	if err != nil {
		fmt.Fprintf(stderr, "Error found:\n%s\n", err)
		return exitError
	}
	if e := reply.Error; e != nil {
		fmt.Fprintf(stdout, "Server Error found:\n[%d] %s", e.Code, e.Message)
		if len(e.Data) > 0 {
			fmt.Fprintf(stdout, " [code: %d]", e.Data[0].Code)
		}
		fmt.Fprintln(stdout)
		for _, d := range e.Data {
			fmt.Fprintf(stdout, "- %s\n", d.Message)
		}
		return exitError
	}
	if reply.Result == nil {
		fmt.Fprintln(stderr, "Error found:\nreply has neither result nor error")
		return exitError
	}
	if rest[0] == "metric" {
		for _, r := range reply.Result.RecordList {
			fmt.Fprintf(stdout, "%s %s\n", r.Record.Name, r.Record.CurrentValue)
		}
		return 0
	}
	for _, r := range reply.Result.RecordList {
		value := r.Record.CurrentValue
		switch {
		case r.Record.Registered == "false":
			fmt.Fprintf(stdout, "%s: Unrecognized configuration value. Record is a configuration name/value but is not registered\n", r.Record.Name)
			continue
		case r.Record.Name == "proxy.config.local_state_dir":
			if abs, err := filepath.Abs(*socket); err == nil {
				value = filepath.Dir(abs)
			}
		}
		fmt.Fprintf(stdout, "%s: %s\n", r.Record.Name, value)
	}
	if errs := reply.Result.ErrorList; len(errs) > 0 {
		fmt.Fprintln(stdout, "------------ Errors ----------")
		for i, e := range errs {
			if i > 0 {
				fmt.Fprintln(stdout, "--")
			}
			fmt.Fprintf(stdout, "%-16s: %s\n%-16s: %s\n", "Record Name ", e.RecordName, "Code", e.Code)
			if e.Message != "" {
				fmt.Fprintf(stdout, "%-16s: %s\n", "Message", e.Message)
			}
		}
		return exitError
	}
	return 0
}

// lookup sends one admin_lookup_records request with an exact record_name
// element per name, as traffic_ctl does, and decodes the reply. Errors read
// like traffic_ctl's.
func lookup(socket string, names, recTypes []string) (*ctlReply, error) {
	req := ctlRequest{ID: newUUID(), JSONRPC: "2.0", Method: "admin_lookup_records"}
	for _, n := range names {
		req.Params = append(req.Params, ctlParam{RecordName: n, RecTypes: recTypes})
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	c, err := net.DialTimeout("unix", socket, ctlTimeout)
	if err != nil {
		var errno syscall.Errno
		if !errors.As(err, &errno) {
			return nil, fmt.Errorf("RPC Node Error: %v", err)
		}
		return nil, fmt.Errorf("RPC Node Error: connect(attempts=1/100): Couldn't open connection with %s. Last error: %s(%d)",
			socket, capitalize(errno.Error()), int(errno))
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(ctlTimeout))
	// One write, and no half-close: ATS then answers nothing
	// (shared/samples/ats10/client_shutdown_wr.json).
	if _, err := c.Write(body); err != nil {
		return nil, fmt.Errorf("Error writing on stream socket %v", err)
	}
	// The server closes the connection after its reply.
	raw, err := io.ReadAll(io.LimitReader(c, ctlMaxReply+1))
	switch {
	case len(raw) > ctlMaxReply:
		return nil, fmt.Errorf("RPC Node Error: Buffer full, not enough space to read the response. Buffer size: %d", ctlMaxReply)
	case len(raw) == 0:
		return nil, errors.New("Something happened, we can't read the response")
	case err != nil && !errors.Is(err, io.EOF):
		return nil, fmt.Errorf("RPC Node Error: %v", err)
	}
	var reply ctlReply
	if err := json.Unmarshal(raw, &reply); err != nil {
		return nil, fmt.Errorf("invalid reply: %v", err)
	}
	return &reply, nil
}

// capitalize turns Go's errno text ("no such file or directory") into C's
// strerror ("No such file or directory").
func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// newUUID returns a random (version 4) UUID, the kind of id traffic_ctl
// sends.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
