package sandbox

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"

	"github.com/hashicorp/go-plugin/runner"
)

// Runner runs a sandbox command for go-plugin (ClientConfig.RunnerFunc):
// go-plugin negotiates over its standard output and connects to the socket
// the plugin makes in the shared folder, whose path is the same inside and
// outside.
type Runner struct {
	box            *Box
	cmd            *exec.Cmd
	name           string
	stdout, stderr io.ReadCloser
}

var _ runner.Runner = (*Runner)(nil)

// NewRunner wraps a sandbox made by Command; name is the plugin's binary.
func NewRunner(box *Box, name string) (*Runner, error) {
	cmd := box.Cmd
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	return &Runner{box: box, cmd: cmd, name: name, stdout: stdout, stderr: stderr}, nil
}

// Start starts the sandbox; the child holds the filter now, the host lets
// go of its copy.
func (r *Runner) Start(context.Context) error {
	err := r.cmd.Start()
	for _, f := range r.cmd.ExtraFiles {
		_ = f.Close()
	}
	return err
}

// Wait waits for the sandbox to end.
func (r *Runner) Wait(context.Context) error { return r.cmd.Wait() }

// Kill ends the sandbox; bwrap's child dies with it (--die-with-parent)
// and, being the PID namespace's first process, takes every other with it.
func (r *Runner) Kill(context.Context) error {
	if r.cmd.Process == nil {
		return nil
	}
	if err := r.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	return nil
}

// Stdout is where go-plugin reads the handshake.
func (r *Runner) Stdout() io.ReadCloser { return r.stdout }

// Stderr carries the plugin's log.
func (r *Runner) Stderr() io.ReadCloser { return r.stderr }

// Name names the plugin in go-plugin's log.
func (r *Runner) Name() string { return r.name }

// ID is the sandbox's process id on the host.
func (r *Runner) ID() string {
	if r.cmd.Process == nil {
		return ""
	}
	return strconv.Itoa(r.cmd.Process.Pid)
}

// Diagnose tells what to look at when the plugin did not answer.
func (r *Runner) Diagnose(context.Context) string {
	return "the plugin did not start in its sandbox; its own log lines above say why"
}

// PluginToHost: socket paths are the same on both sides.
func (r *Runner) PluginToHost(network, addr string) (string, string, error) {
	return network, addr, nil
}

// HostToPlugin: socket paths are the same on both sides.
func (r *Runner) HostToPlugin(network, addr string) (string, string, error) {
	return network, addr, nil
}

// Cmd is the started command, to signal it.
func (r *Runner) Cmd() *exec.Cmd { return r.cmd }

// Cleanup removes what the start needed (Box.Cleanup).
func (r *Runner) Cleanup() { r.box.Cleanup() }

// PluginPID is the host's process id of the plugin itself: the sandbox
// command (prlimit becoming bwrap) starts bwrap's reaper, which starts the
// plugin; the operator sees, and signals, the plugin. It is the sandbox's
// own id when the tree cannot be read.
func (r *Runner) PluginPID() int {
	if r.cmd.Process == nil {
		return 0
	}
	pid := r.cmd.Process.Pid
	for range 4 { // a few levels at most
		raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/task/" + strconv.Itoa(pid) + "/children")
		if err != nil {
			break
		}
		fields := strings.Fields(string(raw))
		if len(fields) == 0 {
			break
		}
		child, err := strconv.Atoi(fields[0])
		if err != nil {
			break
		}
		pid = child
	}
	return pid
}
