package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/secrets"
)

// atrium runs the command in-process with the given environment.
func atrium(ctx context.Context, env []string, args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = run(ctx, args, env, &out, &errOut)
	return code, out.String(), errOut.String()
}

// dbEnv points the command at a test database, a test key and a folder
// for files of the test's own.
func dbEnv(t *testing.T, db config.Database) []string {
	return []string{"ATRIUM_DATABASE_URL=" + db.URL, "ATRIUM_SECURITY_SECRET_KEY=" + secrets.NewKey(), "ATRIUM_FILES_DIR=" + t.TempDir()}
}

func TestMigrateAndDemoOnBothDatabases(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		ctx := context.Background()
		env := dbEnv(t, db)
		code, out, _ := atrium(ctx, env, "migrate", "status")
		if code != 0 || !strings.Contains(out, "pending  20261130090000_organisations") || !strings.Contains(out, "migrate: 0 of ") {
			t.Fatalf("fresh status: %d %q", code, out)
		}
		code, out, _ = atrium(ctx, env, "demo")
		if code != 0 || !strings.Contains(out, "applying 20261130090000_organisations … ok") || !strings.Contains(out, `created organisation "Harbour Coaching"`) {
			t.Fatalf("demo: %d %q", code, out)
		}
		code, out, _ = atrium(ctx, env, "demo")
		if code != 0 || !strings.Contains(out, "already there") || strings.Contains(out, "applying") {
			t.Fatalf("demo again should change nothing: %d %q", code, out)
		}
		code, out, _ = atrium(ctx, env, "migrate", "down")
		rolledBack := strings.Count(out, "rolling back")
		if code != 0 || rolledBack == 0 || !strings.Contains(out, "rolling back 20261130090000_organisations") {
			t.Fatalf("down: %d %q", code, out)
		}
		if code, out, _ = atrium(ctx, env, "migrate", "up"); code != 0 || strings.Count(out, "applying") != rolledBack {
			t.Fatalf("up after down should apply what was rolled back: %d %q", code, out)
		}
	})
}

func TestServeUntilStopped(t *testing.T) {
	t.Parallel()
	db := coretest.SQLite(t)
	env := append(dbEnv(t, db), "ATRIUM_SERVER_ADDRESS=127.0.0.1:0", "ATRIUM_SERVER_METRICS_ADDRESS=127.0.0.1:0", "ATRIUM_LOG_LEVEL=warn")
	ctx, stop := context.WithCancel(context.Background())
	var out, errOut coretest.Buffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"serve"}, env, &out, &errOut) }()

	// A fresh database is migrated first: under the race detector on a busy
	// machine that takes a while.
	deadline := time.Now().Add(45 * time.Second)
	for !strings.Contains(out.String(), "is ready: open http://") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	line := out.String()
	start := strings.Index(line, "http://")
	if start < 0 {
		t.Fatalf("no ready line: %q %q", line, errOut.String())
	}
	url := strings.Fields(line[start:])[0]
	res, err := http.Get(url + "/healthz")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", res, err)
	}
	res.Body.Close()
	stop()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not stop")
	}
}

// TestStartupFailuresAreOneClearLine covers the three ways start-up usually
// fails: bad configuration, an unreachable database, a port in use.
func TestStartupFailuresAreOneClearLine(t *testing.T) {
	t.Parallel()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	dir := t.TempDir()
	badFile := filepath.Join(dir, "bad.yaml")
	_ = os.WriteFile(badFile, []byte("server:\n  adress: 1\n"), 0o600)

	sqlite := dbEnv(t, coretest.SQLite(t))
	cases := []struct {
		name string
		env  []string
		args []string
		want []string
	}{
		{"unknown key in file", sqlite, []string{"-config", badFile, "serve"}, []string{"bad.yaml:2", "server.adress", "unknown key"}},
		{"missing file", sqlite, []string{"-config", filepath.Join(dir, "none.yaml"), "serve"}, []string{"none.yaml", "cannot read"}},
		{"bad value", append(sqlite, "ATRIUM_LOG_LEVEL=loud"), []string{"serve"}, []string{"ATRIUM_LOG_LEVEL", "allowed: debug, info, warn, error"}},
		{"unreachable database", []string{"ATRIUM_DATABASE_URL=postgres://atrium:pw@127.0.0.1:1/atrium?connect_timeout=2"}, []string{"serve"}, []string{"cannot reach PostgreSQL", "127.0.0.1:1"}},
		{"port in use", append(sqlite, "ATRIUM_SERVER_ADDRESS="+busy.Addr().String()), []string{"serve"}, []string{busy.Addr().String(), "already in use", "server.address"}},
		{"metrics port in use", append(sqlite, "ATRIUM_SERVER_ADDRESS=127.0.0.1:0", "ATRIUM_SERVER_METRICS_ADDRESS="+busy.Addr().String()), []string{"serve"},
			[]string{busy.Addr().String(), "already in use", "server.metrics_address", "leave it empty"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := atrium(context.Background(), append(tc.env, "HOME="+dir), tc.args...)
			if code != 1 {
				t.Errorf("exit code %d", code)
			}
			lines := strings.Split(strings.TrimSpace(stderr), "\n")
			if len(lines) != 1 || !strings.HasPrefix(lines[0], "atrium: ") {
				t.Fatalf("want one line, got %q", stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(lines[0], w) {
					t.Errorf("%q does not mention %q", lines[0], w)
				}
			}
			if strings.Contains(stderr, "goroutine") || strings.Contains(stderr, "pw@") {
				t.Errorf("stack trace or password in %q", stderr)
			}
		})
	}
}

func TestUsageAndVersion(t *testing.T) {
	t.Parallel()
	if code, _, stderr := atrium(context.Background(), nil, "frobnicate"); code != 2 || !strings.Contains(stderr, "Usage: atrium") {
		t.Errorf("unknown command: %d %q", code, stderr)
	}
	if code, _, _ := atrium(context.Background(), nil, "serve", "--fast"); code != 2 {
		t.Errorf("unknown serve flag: %d", code)
	}
	if code, _, _ := atrium(context.Background(), nil, "migrate", "sideways"); code != 2 {
		t.Errorf("unknown migrate step: %d", code)
	}
	if code, out, _ := atrium(context.Background(), nil, "version"); code != 0 || !strings.HasPrefix(out, "atrium ") {
		t.Errorf("version: %d %q", code, out)
	}
	if code, out, _ := atrium(context.Background(), nil, "config", "example"); code != 0 || out != config.Example() {
		t.Errorf("config example: %d", code)
	}
}
