package pluginhost_test

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/pluginhost"
)

// escapeTries runs the hostile plugin's escape page against the App's own
// secrets: its database file, a secret file beside it, its process and
// environment, PostgreSQL and its own web address.
func escapeTries(t *testing.T, sandbox string) (map[string]string, *coretest.App, []string) {
	t.Helper()
	db := coretest.SQLite(t)
	dbFile := strings.TrimPrefix(db.URL, "file:")
	secret := filepath.Join(filepath.Dir(dbFile), "secret.key")
	if err := os.WriteFile(secret, []byte("0123456789abcdef"), 0o600); err != nil {
		t.Fatal(err)
	}
	hostile := coretest.BuildPlugin(t, "core/pluginhost/testdata/hostile")
	app := coretest.NewApp(t, db, coretest.Options{Config: func(c *config.Config) {
		coretest.WithPlugins(t, c, true, hostile)
		c.Plugins.Sandbox = sandbox
	}})
	coach := app.Client(t)
	coach.SignIn("coach@harbour.example")
	self := strings.TrimPrefix(app.URL, "http://")
	q := url.Values{"read": {dbFile, secret}, "dial": {"127.0.0.1:5432", self}, "pid": {strconv.Itoa(os.Getpid())}}
	if sandbox == "on" {
		q.Set("change", "yes")
	}
	res := coach.Get("/m/hostile/escape?" + q.Encode())
	if res.StatusCode != 200 {
		t.Fatalf("escape page: %d %s", res.StatusCode, res.Body)
	}
	var out map[string]string
	if err := json.Unmarshal([]byte(res.Body), &out); err != nil {
		t.Fatal(err)
	}
	tries := []string{"read " + dbFile, "read " + secret, "dial 127.0.0.1:5432", "dial " + self, "signal the host", "read the host's environment"}
	if sandbox == "on" {
		tries = append(tries, "write outside /tmp", "mount", "fill /tmp beyond its size", "a vsock socket", "a netlink socket", "an IPv4 socket",
			"write in /dev/shm", "write in /dev", "a memory file", "shared anonymous memory")
	}
	return out, app, tries
}

// TestSandboxedPluginCannotEscape is the process half of issue 15: a
// plugin read the host's environment (the database address), the secret
// key file and the SQLite file, opened connections to PostgreSQL and the
// network, and could signal the host. In its sandbox every try is refused:
// it sees its own processes only, runs as another user when the host is
// root, and writes nowhere but its private /tmp.
func TestSandboxedPluginCannotEscape(t *testing.T) {
	t.Parallel()
	out, _, tries := escapeTries(t, "on")
	for _, try := range tries {
		if out[try] != "refused" {
			t.Errorf("%s: %q", try, out[try])
		}
	}
	if out["write in /tmp"] != "allowed" {
		t.Errorf("the plugin cannot even use its own /tmp; the test proves little: %v", out)
	}
	if n, _ := strconv.Atoi(out["processes"]); n < 1 || n > 3 {
		t.Errorf("the plugin sees %s processes", out["processes"])
	}
	if os.Geteuid() == 0 && out["uid"] == "0" {
		t.Errorf("the plugin runs as root: %v", out)
	}
}

// TestUnsandboxedPluginsAreSaidLoudly: with plugins.sandbox off (the
// operator's choice where the kernel refuses namespaces) the same plugin
// reaches the host's files, which shows the tries above can succeed, and
// the operator's page and the log say plugins run unsandboxed.
func TestUnsandboxedPluginsAreSaidLoudly(t *testing.T) {
	t.Parallel()
	out, app, tries := escapeTries(t, "off")
	if out[tries[0]] != "allowed" {
		t.Errorf("unsandboxed, the plugin could not read the database file: %v", out)
	}
	operator := app.Client(t)
	operator.SignIn("admin@harbour.example")
	if page := operator.Get("/operator/plugins"); page.Doc.Find("#unsandboxed").Length() != 1 {
		t.Errorf("the operator's page does not say plugins run unsandboxed: %s", page.Text("main"))
	}
	if !strings.Contains(app.Logs.String(), "WITHOUT a sandbox") {
		t.Error("the log does not say plugins run unsandboxed")
	}
}

// TestAChangedBinaryDoesNotRestart: the sandbox runs a copy of the binary
// whose checksum it checks; a file swapped after the operator allowed it
// (here another plugin's binary under the example's name) does not run
// when the plugin is restarted.
func TestAChangedBinaryDoesNotRestart(t *testing.T) {
	t.Parallel()
	var dir string
	app := coretest.NewApp(t, coretest.SQLite(t), coretest.Options{Config: func(c *config.Config) {
		coretest.WithPlugins(t, c, true, coretest.BuildPlugin(t, "plugins/example"))
		dir = c.Plugins.Dir
	}})
	p := app.Plugins().Plugin("example")
	if p == nil || p.Status().State != pluginhost.StateRunning {
		t.Fatalf("example: %+v", app.Plugins().Plugins())
	}
	other, err := os.ReadFile(coretest.BuildPlugin(t, "core/pluginhost/testdata/hostile"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "example"), other, 0o755); err != nil {
		t.Fatal(err)
	}
	old := p.Status().PID
	if err := syscall.Kill(old, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		s := p.Status()
		if s.State == pluginhost.StateRunning && s.PID != 0 && s.PID != old {
			t.Fatalf("a changed binary runs again: %+v", s)
		}
		if strings.Contains(s.Problem, "checksum") || strings.Contains(app.Logs.String(), "checksum") {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no word of the changed checksum: %+v", p.Status())
}

// TestPluginAnswersCannotRunOnCorePages: a slot's <script src> naming a
// plugin's own raw answer ran its code on core pages (the site's policy
// allows scripts of its own origin). Script, style and SVG answers are
// refused; every other raw answer comes in a sandbox of its own.
func TestPluginAnswersCannotRunOnCorePages(t *testing.T) {
	t.Parallel()
	app := coretest.NewApp(t, coretest.SQLite(t), coretest.Options{Config: func(c *config.Config) {
		coretest.WithPlugins(t, c, true, coretest.BuildPlugin(t, "core/pluginhost/testdata/hostile"))
	}})
	coach := app.Client(t)
	coach.SignIn("coach@harbour.example")
	for _, typ := range []string{"text/javascript", "application/javascript; charset=utf-8", "Text/JavaScript", "module/x-ecmascript", "text/css", "image/svg+xml", "application/wasm", ""} {
		if res := coach.Get("/m/hostile/typed?type=" + url.QueryEscape(typ)); res.StatusCode != 502 {
			t.Errorf("a plugin answer of type %q: %d", typ, res.StatusCode)
		}
	}
	res := coach.Get("/m/hostile/typed?type=text/html")
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Security-Policy"), "sandbox") || res.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("an HTML answer: %d, policy %q", res.StatusCode, res.Header.Get("Content-Security-Policy"))
	}
}
