package ats

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/traffic-grapher/traffic_grapher/collect"
	"github.com/traffic-grapher/traffic_grapher/collect/jsonrpc"
	"github.com/traffic-grapher/traffic_grapher/collect/ssh"
	"github.com/traffic-grapher/traffic_grapher/collect/sshconn"
	"github.com/traffic-grapher/traffic_grapher/collect/trafficctl"
)

// The two ways of reading Traffic Server itself, each locally or over SSH.
func init() {
	collect.Register(collect.Kind{
		Name:     "jsonrpc",
		Pages:    "ats",
		Describe: "ATS 10 JSON-RPC socket: localhost, unix:/path.sock, or [user@]host[:port] over SSH",
		Open:     openJSONRPC,
	})
	collect.Register(collect.Kind{
		Name:     "traffic_ctl",
		Pages:    "ats",
		Describe: "`traffic_ctl metric get` (ATS 9.x and 10.x): ctl:localhost, or ctl:[user@]host[:port] over SSH",
		Open:     openTrafficCtl,
	})
}

func openJSONRPC(ctx context.Context, ep collect.Endpoint, env collect.Env) (collect.Opened, error) {
	socket := ep.Socket
	if socket == "" {
		socket = env.Socket
	}
	if ep.Remote() {
		client, closer, err := openSSH(ctx, ep, env)
		if err != nil {
			return collect.Opened{Close: closer}, err
		}
		src := ssh.NewSSHSource(client, socket)
		src.TrafficCtl = ep.TrafficCtlToRun(env)
		if client.Connected() {
			// A host that dropped again meanwhile is found later, by Fetch.
			if err := src.Prepare(ctx); err != nil && client.Connected() {
				return collect.Opened{Close: closer}, err
			}
		}
		return collect.Opened{Source: src, Close: closer}, nil
	}
	if socket == "" {
		getenv := env.Getenv
		if getenv == nil {
			getenv = os.Getenv
		}
		d := jsonrpc.Discoverer{Env: getenv, Run: collect.ExecRunner, TrafficCtl: ep.TrafficCtlToRun(env)}
		p, _, err := d.Discover(ctx, "")
		if err != nil {
			return collect.Opened{}, err
		}
		socket = p
	}
	return collect.Opened{Source: jsonrpc.NewJSONRPCSource(socket)}, nil
}

func openTrafficCtl(ctx context.Context, ep collect.Endpoint, env collect.Env) (collect.Opened, error) {
	if !ep.Remote() {
		// The full path, so that every error names the binary that ran.
		bin := ep.TrafficCtlToRun(env)
		if bin == "" {
			bin = trafficctl.DefaultTrafficCtl
			if p, err := exec.LookPath(bin); err == nil {
				bin = p
			}
		}
		return collect.Opened{Source: &trafficctl.TrafficCtlSource{Run: collect.ExecRunner, Bin: bin}}, nil
	}
	client, closer, err := openSSH(ctx, ep, env)
	if err != nil {
		return collect.Opened{Close: closer}, err
	}
	src := ssh.NewSSHSource(client, "")
	src.TrafficCtlOnly = true
	src.TrafficCtl = ep.TrafficCtlToRun(env)
	if client.Connected() {
		if err := src.Prepare(ctx); err != nil && client.Connected() {
			return collect.Opened{Close: closer}, err
		}
	}
	return collect.Opened{Source: src, Close: closer}, nil
}

// openSSH makes the host's persistent SSH connection. A host that refuses
// us (unknown or changed host key, no usable key) or whose name does not
// resolve is an error; one that is merely unreachable opens in the
// "reconnecting" state, so an outage of one host never keeps you from
// watching the others.
func openSSH(ctx context.Context, ep collect.Endpoint, env collect.Env) (*sshconn.Client, func(), error) {
	user, host, port := ep.SSH.User, ep.SSH.Host, ep.SSH.Port
	client, err := sshconn.New(env.SSH, host, user, port)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", ep.Arg, err)
	}
	closer := func() { client.Close() }
	if err := client.Start(ctx); err != nil {
		if sshconn.IsPermanent(err) || sshconn.IsUnknownHost(err) || ctx.Err() != nil {
			if strings.Contains(err.Error(), host) {
				return nil, closer, err
			}
			return nil, closer, fmt.Errorf("%s: %w", ep.Arg, err)
		}
	}
	return client, closer, nil
}
