package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atriumhq/atrium/core/config"
)

func TestExampleFileMatchesDefaults(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != config.Example() {
		t.Fatal("config.example.yaml is out of date; run: go run ./cmd/atrium config example > config.example.yaml")
	}
	// The example itself must load and give the defaults.
	cfg, err := config.Load("../../config.example.yaml", false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg != config.Default() {
		t.Fatalf("loading the example gave %+v, want the defaults", cfg)
	}
}

func TestFileThenEnvironment(t *testing.T) {
	t.Parallel()
	path := write(t, "server:\n  address: 0.0.0.0:9000\n  rate_limit: 60\nlog:\n  level: debug\n")
	cfg, err := config.Load(path, false, []string{"ATRIUM_SERVER_ADDRESS=127.0.0.1:9100", "ATRIUM_DATABASE_BUSY_TIMEOUT=2s", "HOME=/root"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Server.Address != "127.0.0.1:9100" {
		t.Errorf("environment should win over the file, got %q", cfg.Server.Address)
	}
	if cfg.Server.RateLimit != 60 || cfg.Log.Level != "debug" {
		t.Errorf("file values lost: %+v", cfg)
	}
	if cfg.Database.BusyTimeout != 2*time.Second {
		t.Errorf("busy timeout = %v", cfg.Database.BusyTimeout)
	}
}

func TestMissingOptionalFileGivesDefaults(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load(filepath.Join(t.TempDir(), "none.yaml"), true, nil)
	if err != nil || cfg != config.Default() {
		t.Fatalf("got %+v, %v", cfg, err)
	}
}

func TestBadConfigurationNamesKeyAndAllowed(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, file string
		env        []string
		want       []string
	}{
		{"unknown key", "server:\n  adress: x\n", nil, []string{":2:", "server.adress", "unknown key", "address"}},
		{"unknown section", "sever:\n  address: x\n", nil, []string{":1:", "sever", "known sections: server"}},
		{"bad enum", "log:\n  level: loud\n", nil, []string{"log.level", `"loud"`, "allowed: debug, info, warn, error"}},
		{"bad duration", "server:\n  read_timeout: soon\n", nil, []string{":2:", "server.read_timeout", "30s"}},
		{"bad number", "server:\n  rate_limit: many\n", nil, []string{"server.rate_limit", "whole number"}},
		{"zero number", "server:\n  rate_limit: 0\n", nil, []string{"server.rate_limit", "above zero"}},
		{"not yaml", "server: [\n", nil, []string{"not valid YAML"}},
		{"list for value", "server:\n  address: [a, b]\n", nil, []string{"server.address", "single value"}},
		{"bad address", "server:\n  address: localhost\n", nil, []string{"server.address", "host:port"}},
		{"bad metrics address", "server:\n  metrics_address: localhost\n", nil, []string{"server.metrics_address", "host:port", "127.0.0.1:9090"}},
		{"metrics on the web address", "server:\n  address: 127.0.0.1:8080\n  metrics_address: 127.0.0.1:8080\n", nil, []string{"server.metrics_address", "server.address too", "leave it empty"}},
		{"bad database", "database:\n  url: mysql://x\n", nil, []string{"database.url", "file:", "postgres://"}},
		{"unknown variable", "", []string{"ATRIUM_SERVER_ADRESS=x"}, []string{"ATRIUM_SERVER_ADRESS", "ATRIUM_SERVER_ADDRESS"}},
		{"bad variable", "", []string{"ATRIUM_SERVER_HSTS=maybe"}, []string{"ATRIUM_SERVER_HSTS", "true or false"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := config.Load(write(t, tc.file), false, tc.env)
			if err == nil {
				t.Fatal("accepted")
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") {
				t.Errorf("message is more than one line: %q", msg)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("%q does not mention %q", msg, w)
				}
			}
		})
	}
}

// TestMetricsCanBeSwitchedOff: an empty metrics address is allowed, from
// the file and from the environment, and means no metrics listener.
func TestMetricsCanBeSwitchedOff(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, file string
		env        []string
	}{
		{"file", "server:\n  metrics_address: \"\"\n", nil},
		{"environment", "", []string{"ATRIUM_SERVER_METRICS_ADDRESS="}},
	} {
		cfg, err := config.Load(write(t, tc.file), false, tc.env)
		if err != nil || cfg.Server.MetricsAddress != "" {
			t.Errorf("%s: %q, %v", tc.name, cfg.Server.MetricsAddress, err)
		}
	}
}

func TestPasswordIsRedacted(t *testing.T) {
	t.Parallel()
	d := config.Database{URL: "postgres://atrium:s3cret@db:5432/atrium"}
	if strings.Contains(d.Redacted(), "s3cret") {
		t.Fatal(d.Redacted())
	}
	_, err := config.Load(write(t, "database:\n  url: mysql://u:s3cret@x\n"), false, nil)
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("password shown or not refused: %v", err)
	}
}

func write(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
