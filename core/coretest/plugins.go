package coretest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/pluginhost"
)

var (
	buildMu sync.Mutex
	built   = map[string]string{} // package path → binary, once per test process
)

// BuildPlugin builds a plugin (a package path in this repository, such as
// "plugins/example") once per test process and returns its binary.
func BuildPlugin(t testing.TB, pkg string) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	return build(t, filepath.Join(filepath.Dir(file), "..", ".."), pkg)
}

// BuildThisPlugin builds the plugin whose package the calling test is in,
// for a plugin's own tests, in this repository or a vendor's module. The
// binary is named after the package's folder, which must be the plugin's id.
func BuildThisPlugin(t testing.TB) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return build(t, wd, ".")
}

// build runs go build in dir once per test process and package.
func build(t testing.TB, dir, pkg string) string {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	key := filepath.Join(dir, pkg)
	if bin, ok := built[key]; ok {
		return bin
	}
	out := filepath.Join(os.TempDir(), fmt.Sprintf("atrium-test-plugins-%d", os.Getpid()))
	bin := filepath.Join(out, filepath.Base(key))
	cmd := exec.Command("go", "build", "-o", bin, "./"+pkg)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0") // static, as make builds them: the sandbox holds no libraries
	if output, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", key, err, output)
	}
	built[key] = bin
	return bin
}

// WithPlugins configures an App to run the given plugin binaries, allowed in
// a trust file of its own. names map the binary's name in plugins.dir to a
// built binary; Trust=false leaves them out of the trust file.
func WithPlugins(t testing.TB, cfg *config.Config, trusted bool, bins ...string) {
	t.Helper()
	dir := t.TempDir()
	trust := &pluginhost.Trust{Allow: map[string]string{}}
	for _, src := range bins {
		dst := filepath.Join(dir, filepath.Base(src))
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, data, 0o755); err != nil {
			t.Fatal(err)
		}
		if trusted {
			sum, _ := pluginhost.Sum(dst)
			trust.Allow[filepath.Base(src)] = sum
		}
	}
	cfg.Plugins.Dir = dir
	cfg.Plugins.TrustFile = filepath.Join(dir, "trust.json")
	cfg.Plugins.HealthInterval = 200 * 1e6 // 200 ms: tests notice a dead plugin quickly
	if err := trust.Save(cfg.Plugins.TrustFile); err != nil {
		t.Fatal(err)
	}
}

// AddUntrusted puts a binary in the plugins folder without allowing it.
func AddUntrusted(t testing.TB, cfg *config.Config, src string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cfg.Plugins.Dir, filepath.Base(src)), data, 0o755); err != nil {
		t.Fatal(err)
	}
}
