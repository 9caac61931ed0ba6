package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/atriumhq/atrium/core"
	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/demo"
	"github.com/atriumhq/atrium/core/pluginhost"
	"github.com/atriumhq/atrium/core/secrets"
)

const usage = `Atrium — a portal platform for organisations that guide people.

Usage: atrium [-config FILE] COMMAND

Commands:
  serve [--dev]       migrate, then serve on server.address until stopped; with
                      --dev, rebuild and reload a plugin when its source in
                      plugins/NAME (or the SDK) changes
  migrate up          apply pending database migrations
  migrate down        roll back the most recent group of migrations
  migrate status      list migrations and whether they are applied
  demo                seed the demo organisation and its people (safe to run again)
  demo code           print the demo accounts' current authenticator code
  secret              print a new key for security.secret_key
  plugin new NAME     make plugins/NAME, a new plugin, from the skeleton
  plugin list|allow NAME|allow --all|disable NAME|enable NAME
  plugin keygen VENDOR | sign BINARY KEYFILE | trust VENDOR PUBLICKEY
                      which plugin binaries may run
  config example      print a configuration file with every key and its default
  version             print the version

Configuration comes from FILE (default: $ATRIUM_CONFIG, else config.yaml when it
exists) and ATRIUM_<SECTION>_<KEY> environment variables.
`

// errUsage marks a mistake on the command line.
var errUsage = errors.New("usage")

// run is the whole program with its inputs and outputs passed in, so tests can
// call it directly. It returns the exit code.
func run(ctx context.Context, args, environ []string, stdout, stderr io.Writer) int {
	err := dispatch(ctx, args, environ, stdout, stderr)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprint(stderr, usage)
		return 2
	default:
		fmt.Fprintln(stderr, "atrium: "+strings.ReplaceAll(err.Error(), "\n", " "))
		return 1
	}
}

func dispatch(ctx context.Context, args, environ []string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("atrium", flag.ContinueOnError)
	flags.SetOutput(io.Discard)
	configFile := flags.String("config", "", "configuration file")
	if err := flags.Parse(args); err != nil {
		return errUsage
	}
	args = flags.Args()
	if len(args) == 0 {
		return errUsage
	}
	switch args[0] {
	case "version":
		fmt.Fprintln(stdout, "atrium", core.Version)
		return nil
	case "secret":
		fmt.Fprintln(stdout, secrets.NewKey())
		return nil
	case "config":
		if len(args) != 2 || args[1] != "example" {
			return errUsage
		}
		fmt.Fprint(stdout, config.Example())
		return nil
	case "demo":
		if len(args) == 2 && args[1] == "code" {
			fmt.Fprintln(stdout, demo.Code())
			return nil
		}
	case "serve":
		if len(args) > 2 || len(args) == 2 && args[1] != "--dev" {
			return errUsage
		}
	case "migrate":
	case "plugin":
		cfg, err := loadConfig(*configFile, environ)
		if err != nil {
			return err
		}
		return pluginCommand(cfg, args[1:], stdout)
	default:
		return errUsage
	}

	cfg, err := loadConfig(*configFile, environ)
	if err != nil {
		return err
	}
	app, err := core.New(cfg, core.WithLogOutput(stderr))
	if err != nil {
		return err
	}
	defer app.Close()

	switch args[0] {
	case "serve":
		return serve(ctx, app, len(args) == 2, stdout)
	case "migrate":
		return migrate(ctx, app, args[1:], stdout)
	default:
		if _, err := app.Migrate(ctx, stdout); err != nil {
			return err
		}
		if err := app.StartPlugins(ctx); err != nil { // the demo subscribes to their modules too
			return err
		}
		if err := demo.Seed(ctx, app.DemoDeps(), stdout); err != nil {
			return err
		}
		printLogins(stdout)
		return nil
	}
}

// loadConfig reads -config, else $ATRIUM_CONFIG, else config.yaml if present.
func loadConfig(flagValue string, environ []string) (config.Config, error) {
	path, optional := flagValue, false
	if path == "" {
		for _, kv := range environ {
			if v, ok := strings.CutPrefix(kv, config.EnvConfigFile+"="); ok && v != "" {
				path = v
			}
		}
	}
	if path == "" {
		path, optional = "config.yaml", true
	}
	return config.Load(path, optional, environ)
}

func serve(ctx context.Context, app *core.App, dev bool, stdout io.Writer) error {
	if _, err := app.Migrate(ctx, stdout); err != nil {
		return err
	}
	if err := app.StartPlugins(ctx); err != nil {
		return err
	}
	if dev {
		loop, err := devLoop(app, stdout)
		if err != nil {
			return err
		}
		go loop.Run(ctx)
	}
	ln, err := app.Listen()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Atrium %s is ready: open http://%s (database: %s). Press Ctrl+C to stop.\n",
		core.Version, ln.Addr(), app.DB().Kind)
	return app.Serve(ctx, ln)
}

func migrate(ctx context.Context, app *core.App, args []string, stdout io.Writer) error {
	if len(args) != 1 {
		return errUsage
	}
	m, err := app.Migrator()
	if err != nil {
		return err
	}
	m.Progress = stdout
	switch args[0] {
	case "up":
		n, err := m.Up(ctx)
		fmt.Fprintf(stdout, "migrate: %d applied; the database is up to date\n", n)
		return err
	case "down":
		n, err := m.Down(ctx)
		fmt.Fprintf(stdout, "migrate: %d rolled back\n", n)
		return err
	case "status":
		list, err := m.Status(ctx)
		if err != nil {
			return err
		}
		pending := 0
		for _, s := range list {
			if s.Applied {
				fmt.Fprintf(stdout, "  applied  %s  (group %d, %s)\n", s.Name, s.Group, s.AppliedAt.Format("2006-01-02 15:04"))
			} else {
				pending++
				fmt.Fprintf(stdout, "  pending  %s\n", s.Name)
			}
		}
		fmt.Fprintf(stdout, "migrate: %d of %d applied, %d pending\n", len(list)-pending, len(list), pending)
		return nil
	}
	return errUsage
}

// printLogins tells how to sign in to the demo.
func printLogins(w io.Writer) {
	fmt.Fprintln(w, "\n  Demo logins (password "+demo.Password+"):")
	for _, a := range demo.Accounts {
		fmt.Fprintf(w, "    %-26s %s\n", a.Email, a.Role)
	}
	fmt.Fprintln(w, "  Second step: the current code is printed by `./bin/atrium demo code`,")
	fmt.Fprintln(w, "  or add the key "+demo.TOTPSecret+" to an authenticator app.")
}

// devLoop watches plugins/NAME for every installed plugin whose source is
// there, and the SDK, from the folder atrium runs in.
func devLoop(app *core.App, stdout io.Writer) (*pluginhost.Dev, error) {
	root, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		return nil, errors.New("serve --dev: run it in Atrium's source folder (where go.mod is), so plugins can be rebuilt")
	}
	sources := map[string]string{}
	for _, st := range app.Plugins().Plugins() {
		dir := filepath.Join("plugins", st.Name)
		if _, err := os.Stat(filepath.Join(root, dir, "main.go")); err == nil {
			sources[st.Name] = dir
		}
	}
	return &pluginhost.Dev{Host: app.Plugins(), Root: root, Sources: sources, Shared: []string{filepath.Join("plugins", "sdk")},
		Out: stdout, Every: 500 * time.Millisecond}, nil
}
