package sdk_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// vendorPlugin is a vendor's plugin, in a module of its own that requires
// the SDK's module and nothing else.
var vendorPlugin = map[string]string{
	"go.mod": `module example.com/greeter

go 1.26.8

require github.com/atriumhq/atrium/plugins/sdk v0.0.0

replace github.com/atriumhq/atrium/plugins/sdk => SDK
`,
	"main.go": `// Command greeter is a vendor's plugin.
package main

import (
	"context"
	"embed"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/plugins/sdk"
)

//go:embed templates locales
var files embed.FS

func main() { sdk.Serve(module()) }

func module() *sdk.Module {
	m := sdk.New(sdk.Manifest{ID: "greeter", Version: "1.0.0", Label: "greeter.title"}, files)
	m.Migration("1_visits", func(ctx context.Context, db *bun.DB) error {
		_, err := db.ExecContext(ctx, "CREATE TABLE greeter_visits (id INTEGER PRIMARY KEY, organisation_id BIGINT NOT NULL, person BIGINT NOT NULL)")
		return err
	})
	m.Page("GET", "/", "", func(r *sdk.Request) error {
		if _, err := r.DB().ExecContext(r.Context, "INSERT INTO greeter_visits (organisation_id, person) VALUES (?, ?)", r.OrganisationID(), r.UserID()); err != nil {
			return err
		}
		n, err := r.DB().NewSelect().Table("greeter_visits").Where("organisation_id = ?", r.OrganisationID()).Count(r.Context)
		if err != nil {
			return err
		}
		return r.Render("index", "greeter.title", map[string]any{"Name": r.UserName(), "Visits": n})
	})
	return m
}
`,
	"main_test.go": `package main

import (
	"strings"
	"testing"

	"github.com/atriumhq/atrium/plugins/sdk/sdktest"
)

func TestGreeting(t *testing.T) {
	h := sdktest.New(t, module())
	sam := h.AddPerson(sdktest.Person{Name: "Sam"})
	h.As(sam).Get("/")
	if page := h.As(sam).Get("/"); page.Status != 200 || !strings.Contains(page.Body, "Hello Sam, visit 2") {
		t.Fatalf("%d %s", page.Status, page.Body)
	}
}
`,
	"templates/index.html": `<h1>{{t "greeter.hello" (dict "Name" .Name "Visits" .Visits)}}</h1>`,
	"locales/en.toml": `[greeter]
title = "Greeter"
hello = "Hello {{.Name}}, visit {{.Visits}}"
`,
}

// TestAVendorModuleStandsAlone writes a vendor's plugin as a module of its
// own that requires only the SDK's module, then builds it and runs its
// sdktest test with the go command, offline, from the module cache: the
// SDK module is all a vendor needs, and a plugin built with it pulls in
// neither the core nor Fiber nor a database driver.
func TestAVendorModuleStandsAlone(t *testing.T) {
	t.Parallel()
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go command is not on PATH: this test builds a vendor's module with it")
	}
	sdkDir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for name, text := range vendorPlugin {
		text = strings.ReplaceAll(text, "=> SDK", "=> "+sdkDir)
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The SDK's checksums are the vendor's: nothing is looked up.
	sums, err := os.ReadFile("go.sum")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.sum"), sums, 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(goCmd, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off", "CGO_ENABLED=0")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	run("build", "-o", filepath.Join(dir, "greeter"), ".")
	if _, err := os.Stat(filepath.Join(dir, "greeter")); err != nil {
		t.Fatal(err)
	}
	for _, dep := range strings.Fields(run("list", "-deps", ".")) {
		for _, unwanted := range []string{"github.com/atriumhq/atrium/core", "github.com/gofiber/", "github.com/jackc/", "modernc.org/sqlite", "github.com/mattn/go-sqlite3"} {
			if strings.HasPrefix(dep, unwanted) {
				t.Errorf("the vendor's plugin pulls in %s", dep)
			}
		}
	}
	if out := run("test", "-count=1", "./..."); !strings.Contains(out, "ok") {
		t.Errorf("the vendor's test:\n%s", out)
	}
}
