// Package sandbox starts plugin processes where they can reach nothing but
// the host's socket: bubblewrap (bwrap, the sandbox Flatpak uses) gives each
// its own user, mount, PID, network, IPC and UTS namespaces, a root holding
// only the binary (read-only), the folder of go-plugin's sockets and a
// private /tmp, no network beyond an unconnected loopback, no_new_privs and
// a system-call allow-list (seccomp). When the host runs as root the
// process also runs as another, unprivileged user. The environment is the
// one the caller gives, nothing of the host's.
package sandbox

import (
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// Limits are the resource limits of the sandboxed process, set before it
// starts (so they hold for everything it runs).
type Limits struct {
	MemoryBytes uint64 // RLIMIT_DATA
	OpenFiles   uint64 // RLIMIT_NOFILE
}

// Spec is one plugin process to start.
type Spec struct {
	Binary string // the plugin binary, outside the sandbox
	// Verify checks the copy the sandbox runs (its checksum): the bytes
	// checked are the bytes run, whatever happens to Binary meanwhile.
	Verify    func(path string) error
	SocketDir string   // go-plugin's socket folder, seen at the same path inside
	Env       []string // the whole environment of the process
	// User is the unprivileged user id the process runs as when the host
	// runs as root (another user cannot be chosen otherwise).
	User   int
	Limits Limits
}

// ErrUnavailable says the machine cannot run the sandbox, and what to do.
var ErrUnavailable = errors.New("the plugin sandbox cannot run here: install bubblewrap (apt-get install bubblewrap) on a kernel that allows user namespaces, or set plugins.sandbox: off to run plugins unsandboxed")

// Check tells whether a sandbox starts here: bwrap is installed and the
// kernel lets it make the namespaces.
func Check() error {
	bwrap, err := exec.LookPath("bwrap")
	if err != nil {
		return ErrUnavailable
	}
	// bwrap itself is linked dynamically: the probe sees the host's
	// system folders read-only, which a plugin never does.
	probe := exec.Command(bwrap, "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", bwrap, "--version")
	if out, err := probe.CombinedOutput(); err != nil {
		return fmt.Errorf("%w (%v: %s)", ErrUnavailable, err, out)
	}
	return nil
}

// Command is the command that runs spec's binary in the sandbox. Its extra
// files carry the system-call filter; the caller starts it and then calls
// Cleanup.
func Command(spec Spec) (*Box, error) {
	bwrap, err := exec.LookPath("bwrap")
	if err != nil {
		return nil, ErrUnavailable
	}
	// The sandbox's user may not read the operator's folders, and the
	// operator's file may change: the sandbox runs a read-only copy of the
	// host's, checked after it was made.
	copyDir, err := os.MkdirTemp("", "atrium-plugin-")
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	binary := filepath.Join(copyDir, filepath.Base(spec.Binary))
	err = copyFile(spec.Binary, binary)
	if err == nil && spec.Verify != nil {
		err = spec.Verify(binary)
	}
	if err == nil {
		err = os.Chmod(copyDir, 0o755)
	}
	if err != nil {
		os.RemoveAll(copyDir)
		return nil, err
	}
	filter, err := seccompFile()
	if err != nil {
		os.RemoveAll(copyDir)
		return nil, err
	}
	args := []string{
		"--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent", "--new-session",
		"--uid", "65534", "--gid", "65534", "--hostname", "plugin",
		"--clearenv",
		"--proc", "/proc", "--dev", "/dev",
		// A private /tmp, bounded: it is memory the host's machine shares.
		"--size", strconv.FormatUint(tmpBytes, 10), "--tmpfs", "/tmp",
		"--ro-bind", binary, inside,
		"--bind", spec.SocketDir, spec.SocketDir,
		"--seccomp", "3",
	}
	// Time zones are public data the agenda and mails need.
	if dirExists("/usr/share/zoneinfo") {
		args = append(args, "--ro-bind", "/usr/share/zoneinfo", "/usr/share/zoneinfo")
	}
	// A binary linked against the C library needs the system's libraries
	// (read-only, public); a static one (CGO_ENABLED=0) sees none.
	if dynamic(binary) {
		for _, dir := range []string{"/lib", "/lib64", "/usr/lib", "/usr/lib64"} {
			if dirExists(dir) {
				args = append(args, "--ro-bind", dir, dir)
			}
		}
	}
	// The root itself (bwrap's tmpfs) is read-only: /tmp is the one place
	// to write, besides the socket folder.
	// /dev is a tmpfs of its own that --remount-ro / leaves writable, and
	// its files would be memory outside every limit of the plugin's.
	args = append(args, "--remount-ro", "/", "--remount-ro", "/dev")
	for _, kv := range spec.Env {
		k, v, _ := strings.Cut(kv, "=")
		args = append(args, "--setenv", k, v)
	}
	args = append(args, "--", inside)

	// prlimit sets the limits in the process that becomes bwrap, before
	// anything forks, so the plugin inherits them.
	name, full := bwrap, args
	if prlimit, err := exec.LookPath("prlimit"); err == nil && (spec.Limits.MemoryBytes > 0 || spec.Limits.OpenFiles > 0) {
		name = prlimit
		full = []string{}
		if spec.Limits.MemoryBytes > 0 {
			full = append(full, "--data="+strconv.FormatUint(spec.Limits.MemoryBytes, 10))
		}
		if spec.Limits.OpenFiles > 0 {
			full = append(full, "--nofile="+strconv.FormatUint(spec.Limits.OpenFiles, 10))
		}
		// As another user, a bound on that user's processes (and threads)
		// stops a fork bomb; as the host's own user it would count the host's.
		if os.Geteuid() == 0 {
			full = append(full, "--nproc="+strconv.Itoa(maxProcesses))
		}
		full = append(append(full, "--", bwrap), args...)
	}
	cmd := exec.Command(name, full...)
	cmd.Env = []string{} // nothing of the host's reaches bwrap either
	cmd.ExtraFiles = []*os.File{filter}
	// The kernel kills the sandbox when the host dies, whatever happens to it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if os.Geteuid() == 0 {
		user := uint32(spec.User)
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: user, Gid: user, Groups: []uint32{}}
		// The plugin makes its socket in the folder; the host, as root,
		// reaches it all the same.
		if err := os.Chown(spec.SocketDir, spec.User, spec.User); err != nil {
			os.RemoveAll(copyDir)
			return nil, fmt.Errorf("sandbox: socket folder: %w", err)
		}
	}
	return &Box{Cmd: cmd, copyDir: copyDir}, nil
}

const (
	// tmpBytes bounds a plugin's /tmp.
	tmpBytes = 256 << 20
	// maxProcesses bounds the processes and threads of the plugins' user.
	maxProcesses = 1024
)

// inside is where the plugin's binary is in its sandbox.
const inside = "/plugin"

// Box is a sandbox command ready to start.
type Box struct {
	Cmd     *exec.Cmd
	copyDir string
}

// Cleanup removes the copy of the binary once the sandbox has started (its
// mount keeps the file) or failed to.
func (b *Box) Cleanup() { os.RemoveAll(b.copyDir) }

// copyFile copies an executable, read-only for everyone.
func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o555)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// dynamic tells whether an executable asks for a program interpreter (the
// C library's loader).
func dynamic(path string) bool {
	f, err := elf.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return true
		}
	}
	return false
}

func dirExists(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}
