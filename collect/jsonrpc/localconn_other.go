//go:build !linux

package jsonrpc

import (
	"context"
	"net"
)

// dialLocal connects to the Unix socket at path (localconn_linux.go keeps
// the socket out of the poller where it can).
func dialLocal(ctx context.Context, path string) (net.Conn, error) { return dialNet(ctx, path) }
