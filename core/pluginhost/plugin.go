package pluginhost

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"github.com/hashicorp/go-plugin/runner"
	"golang.org/x/sys/unix"
	"google.golang.org/grpc"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/events"
	"github.com/atriumhq/atrium/core/pluginhost/sandbox"
	pluginv1 "github.com/atriumhq/atrium/plugins/sdk/proto/v1"
	"github.com/atriumhq/atrium/plugins/sdk/wire"
)

// Plugin states.
const (
	StateStarting  = "starting"
	StateRunning   = "running"
	StateFailed    = "failed"    // crashed too often; needs the operator
	StateUntrusted = "untrusted" // the binary is not allowed
	StateDisabled  = "disabled"
)

// Plugin is one plugin binary and the process running it.
type Plugin struct {
	Name, Path string

	mu       sync.RWMutex
	client   *plugin.Client
	rpc      pluginv1.PluginClient
	cmd      *exec.Cmd // the client's process, to kill when it hangs
	manifest *pluginv1.ManifestResponse
	state    string
	problem  string // why it is failed or untrusted, for the operator
	pid      int
	restarts []time.Time
	stderr   *tailWriter
	host     *Host
	vendor   string // the trusted vendor who signed it, "" when allowed by sum
	sum      []byte // SHA-256 the binary must have at every (re)start
	// reloading keeps the supervisor off while Reload swaps the binary.
	reloading bool
	// statements counts the statements the plugin sent (preloads not
	// included), for the tests of preloading.
	statements atomic.Int64
}

// Status is a plugin's state for the operator's page.
type Status struct {
	Name, State, Problem, Version, Vendor string
	PID, Restarts                         int
	// Events says whether its events wait for retries, and why.
	Events events.Trouble
}

// Status reports the plugin's state.
func (p *Plugin) Status() Status {
	p.mu.RLock()
	defer p.mu.RUnlock()
	s := Status{Name: p.Name, State: p.state, Problem: p.problem, PID: p.pid, Restarts: len(p.restarts), Vendor: p.vendor}
	if p.manifest != nil {
		s.Version = p.manifest.GetVersion()
	}
	return s
}

// conn is the running plugin's client, or nil while it is down.
func (p *Plugin) conn() pluginv1.PluginClient {
	_, rpc := p.running()
	return rpc
}

// running is the running plugin's go-plugin client with its connection, or
// nils while it is down.
func (p *Plugin) running() (*plugin.Client, pluginv1.PluginClient) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.state != StateRunning {
		return nil, nil
	}
	return p.client, p.rpc
}

// start runs the binary with go-plugin (gRPC, automatic mutual TLS) in its
// sandbox (or, with plugins.sandbox off, as a plain process), with no
// environment of the host's and with resource limits, and reads the
// manifest.
func (p *Plugin) start(ctx context.Context, cfg config.Plugins, sum []byte, log *slog.Logger) error {
	cmd := exec.Command(p.Path)
	// The Go runtime's own limit, three quarters of what the process may
	// map: the collector works harder well before the kernel refuses memory
	// (plugins let the heap grow further than Go's default between
	// collections), sandboxed or not.
	cmd.Env = []string{"LANG=C.UTF-8", "TZ=UTC", "GOMEMLIMIT=" + strconv.Itoa(cfg.MemoryMB*3/4) + "MiB"}
	// The kernel kills the plugin when the host dies, whatever happens to it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	p.stderr = &tailWriter{}
	conf := &plugin.ClientConfig{
		HandshakeConfig:  wire.Handshake,
		Plugins:          plugin.PluginSet{wire.Name: &wire.GRPC{}},
		Cmd:              cmd,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		AutoMTLS:         true,
		SkipHostEnv:      true,
		SecureConfig:     &plugin.SecureConfig{Checksum: sum, Hash: sha256.New()},
		Logger:           hclog.New(&hclog.LoggerOptions{Name: "plugin." + p.Name, Output: &slogWriter{log: log, plugin: p.Name, tail: p.stderr}, Level: hclog.Info, JSONFormat: true}),
		StartTimeout:     10 * time.Second,
		Stderr:           p.stderr, // the sandbox's own complaints too
		// An answer may be as large as MaxAnswer (a calendar's first sync
		// fetches every event in one report); gRPC takes 4 MiB unless told.
		GRPCDialOptions: []grpc.DialOption{grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(MaxAnswer + 1<<20))},
	}
	var boxed *sandbox.Runner
	if cfg.Sandbox != "off" {
		// go-plugin makes the socket folder and hands it over with the
		// environment it means for the plugin; the checksum is checked on
		// the copy the sandbox runs, as go-plugin checks a command of its own.
		secure := conf.SecureConfig
		conf.Cmd, conf.SecureConfig = nil, nil
		if os.Geteuid() == 0 {
			// The plugin runs as another user, who must reach the host's
			// sockets (the broker's) as the host reaches the plugin's.
			conf.UnixSocketConfig = &plugin.UnixSocketConfig{Group: strconv.Itoa(cfg.SandboxUser)}
		}
		conf.RunnerFunc = func(_ hclog.Logger, spec *exec.Cmd, socketDir string) (runner.Runner, error) {
			// The group is for the host's sockets; the host, as root,
			// reaches the plugin's own without it.
			env := slices.DeleteFunc(append(cmd.Env, spec.Env...), func(kv string) bool { return strings.HasPrefix(kv, plugin.EnvUnixSocketGroup+"=") })
			box, err := sandbox.Command(sandbox.Spec{Binary: p.Path, SocketDir: socketDir, Env: env, User: cfg.SandboxUser,
				Limits: sandbox.Limits{MemoryBytes: uint64(cfg.MemoryMB) << 20, OpenFiles: uint64(cfg.OpenFiles)},
				Verify: func(path string) error {
					if ok, err := secure.Check(path); err != nil || !ok {
						return fmt.Errorf("the binary's checksum is not the one allowed (%v)", err)
					}
					return nil
				}})
			if err != nil {
				return nil, err
			}
			boxed, err = sandbox.NewRunner(box, p.Path)
			return boxed, err
		}
	}
	client := plugin.NewClient(conf)
	rpcClient, err := client.Client()
	if boxed != nil {
		boxed.Cleanup()
	}
	if err != nil {
		client.Kill()
		return fmt.Errorf("start: %w (%s)", err, p.stderr.last())
	}
	switch {
	case boxed != nil: // limited before it started
		cmd = boxed.Cmd()
		p.mu.Lock()
		p.pid = boxed.PluginPID()
		p.mu.Unlock()
	default:
		if rc := client.ReattachConfig(); rc != nil && rc.Pid > 0 {
			limit(rc.Pid, cfg, log, p.Name)
			p.mu.Lock()
			p.pid = rc.Pid
			p.mu.Unlock()
		}
	}
	raw, err := rpcClient.Dispense(wire.Name)
	if err != nil {
		client.Kill()
		return fmt.Errorf("dispense: %w", err)
	}
	wc := raw.(*wire.Client)
	rpc := wc.Plugin
	var brokerID uint32
	if p.host != nil {
		brokerID = p.host.serveHost(p, wc.Broker)
	}
	mctx, cancel := context.WithTimeout(ctx, cfg.CallTimeout)
	defer cancel()
	dialect := "sqlite"
	if p.host != nil && p.host.DB != nil {
		dialect = p.host.DB.Kind
	}
	manifest, err := rpc.Manifest(mctx, &pluginv1.ManifestRequest{HostProtocol: pluginv1.ProtocolVersion, HostBrokerId: brokerID, Database: dialect})
	if err != nil {
		client.Kill()
		return fmt.Errorf("manifest: %w", err)
	}
	if err := checkManifest(p.Name, manifest); err != nil {
		client.Kill()
		return err
	}
	p.mu.Lock()
	p.client, p.rpc, p.cmd, p.manifest, p.state, p.problem = client, rpc, cmd, manifest, StateRunning, ""
	p.mu.Unlock()
	return nil
}

// limit sets the plugin process's resource limits.
func limit(pid int, cfg config.Plugins, log *slog.Logger, name string) {
	mem := uint64(cfg.MemoryMB) << 20
	files := uint64(cfg.OpenFiles)
	// RLIMIT_DATA rather than RLIMIT_AS: Go reserves much address space up
	// front, so an address-space limit would kill healthy plugins.
	for res, value := range map[int]uint64{unix.RLIMIT_DATA: mem, unix.RLIMIT_NOFILE: files} {
		if err := unix.Prlimit(pid, res, &unix.Rlimit{Cur: value, Max: value}, nil); err != nil {
			log.Warn("plugin limit not set", "plugin", name, "error", err.Error())
		}
	}
}

// stopGrace is how long stop lets a process end gracefully before it kills
// it: go-plugin's graceful shutdown waits for the plugin's answer, for ever
// when the plugin hangs.
const stopGrace = 5 * time.Second

// stop ends the process, gracefully when it still answers.
func (p *Plugin) stop() {
	client, cmd := p.detach(nil)
	if client == nil {
		return
	}
	done := make(chan struct{})
	go func() {
		client.Kill()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(stopGrace):
		_ = cmd.Process.Kill()
		<-done
	}
}

// kill ends the process of client at once with SIGKILL, which even a stopped
// process cannot ignore, then lets go-plugin clean up after it. It reports
// false, and kills nothing, when client no longer runs the plugin (a reload
// swapped the process meanwhile).
func (p *Plugin) kill(client *plugin.Client) bool {
	detached, cmd := p.detach(client)
	if detached == nil {
		return false
	}
	// os.Process signals through a pidfd: never another process that
	// took the pid of one already gone.
	_ = cmd.Process.Kill()
	detached.Kill()
	return true
}

// detach takes the running process's client and command off the plugin, so
// that no new call reaches it, and marks the plugin as starting again. With a
// client given, only that client's process is taken.
func (p *Plugin) detach(only *plugin.Client) (*plugin.Client, *exec.Cmd) {
	p.mu.Lock()
	defer p.mu.Unlock()
	client, cmd := p.client, p.cmd
	if client == nil || only != nil && client != only {
		return nil, nil
	}
	p.client, p.rpc, p.cmd = nil, nil, nil
	if p.state == StateRunning {
		p.state = StateStarting
	}
	return client, cmd
}

var (
	validID   = regexp.MustCompile(`^[a-z][a-z0-9]{1,30}$`)
	routePath = regexp.MustCompile(`^/[a-zA-Z0-9/:._-]*$`)
)

// checkManifest refuses a manifest that would step on the core or on other
// plugins: the id must be the binary's name, permissions and routes its own.
func checkManifest(name string, m *pluginv1.ManifestResponse) error {
	if m.GetId() != name || !validID.MatchString(m.GetId()) {
		return fmt.Errorf("manifest: id %q must equal the binary's name %q (lower case letters and digits)", m.GetId(), name)
	}
	if m.GetProtocol() != pluginv1.ProtocolVersion {
		return fmt.Errorf("manifest: built for contract v%d, this Atrium speaks v%d", m.GetProtocol(), pluginv1.ProtocolVersion)
	}
	for _, perm := range m.GetPermissions() {
		if !strings.HasPrefix(perm.GetName(), name+".") {
			return fmt.Errorf("manifest: permission %q must start with %q", perm.GetName(), name+".")
		}
	}
	for _, prefix := range m.GetRawPrefixes() {
		if prefix != "/dav/"+name+"/" {
			return fmt.Errorf("manifest: a protocol endpoint lives at /dav/%s/, not %q", name, prefix)
		}
	}
	for _, service := range m.GetWellKnown() {
		if service != "caldav" && service != "carddav" || len(m.GetRawPrefixes()) == 0 {
			return fmt.Errorf("manifest: %q is not a service a protocol endpoint can offer for discovery (caldav, carddav)", service)
		}
	}
	for _, r := range m.GetRoutes() {
		if !routePath.MatchString(r.GetPath()) {
			return fmt.Errorf("manifest: route %q is not a path", r.GetPath())
		}
		if p := r.GetPermission(); p != "" && !strings.HasPrefix(p, name+".") {
			return fmt.Errorf("manifest: route %s needs %q, which is not the plugin's own permission", r.GetPath(), p)
		}
	}
	return nil
}

// tailWriter keeps the last line a plugin wrote, its "last words" for the
// operator when it fails.
type tailWriter struct {
	mu   sync.Mutex
	line string
}

func (t *tailWriter) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if l := strings.TrimSpace(string(bytes.TrimSpace(p))); l != "" {
		t.line = l
	}
	return len(p), nil
}

func (t *tailWriter) last() string {
	if t == nil {
		return ""
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.line
}

// slogWriter forwards go-plugin's log lines (the plugin's stderr among them)
// into the core's log with the plugin's name.
type slogWriter struct {
	log    *slog.Logger
	plugin string
	tail   *tailWriter
}

func (w *slogWriter) Write(p []byte) (int, error) {
	line := strings.TrimSpace(string(p))
	if line != "" {
		w.log.Info("plugin", "plugin", w.plugin, "line", line)
		_, _ = w.tail.Write(p)
	}
	return len(p), nil
}
