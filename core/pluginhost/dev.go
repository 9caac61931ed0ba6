package pluginhost

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"time"
)

// Dev is the development loop of atrium serve --dev: it watches each
// plugin's source folder (and the SDK's), and when a file changes it builds
// the plugin into its place and reloads it. A build that fails leaves the
// running plugin as it was and shows the compiler's words.
type Dev struct {
	Host *Host
	// Root is the module's folder, where go build runs.
	Root string
	// Sources maps a plugin's name to its package folder below Root, such
	// as plugins/example; Shared folders (the SDK) rebuild every plugin.
	Sources map[string]string
	Shared  []string
	Out     io.Writer
	// Every is how often the folders are looked at.
	Every time.Duration
}

// Run watches until ctx ends.
func (d *Dev) Run(ctx context.Context) {
	seen := map[string]string{}
	for _, dir := range d.folders() {
		seen[dir] = fingerprint(filepath.Join(d.Root, dir))
	}
	fmt.Fprintf(d.Out, "dev: watching %d plugin folders; a change rebuilds and reloads the plugin\n", len(d.Sources))
	tick := time.NewTicker(d.Every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		changed := map[string]bool{}
		for _, dir := range d.folders() {
			now := fingerprint(filepath.Join(d.Root, dir))
			if now == seen[dir] {
				continue
			}
			seen[dir] = now
			for name, src := range d.Sources {
				if src == dir || slices.Contains(d.Shared, dir) {
					changed[name] = true
				}
			}
		}
		names := make([]string, 0, len(changed))
		for name := range changed {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			d.rebuild(ctx, name)
		}
	}
}

// rebuild builds one plugin into its place and reloads it.
func (d *Dev) rebuild(ctx context.Context, name string) {
	p := d.Host.Plugin(name)
	if p == nil {
		return
	}
	started := time.Now()
	fmt.Fprintf(d.Out, "dev: %s changed; building…\n", name)
	// Build next to the binary, then rename: the running process's file is
	// never written under it.
	tmp := p.Path + ".building"
	cmd := exec.CommandContext(ctx, "go", "build", "-o", tmp, "./"+d.Sources[name])
	cmd.Dir = d.Root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0") // static: the sandbox holds no libraries
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(d.Out, "dev: %s does not build; the running one stays:\n%s\n", name, out)
		_ = os.Remove(tmp)
		return
	}
	if err := os.Rename(tmp, p.Path); err != nil {
		fmt.Fprintf(d.Out, "dev: cannot put the new %s in place: %v\n", name, err)
		return
	}
	// What the developer just built is trusted, now and at the next start.
	if err := d.allow(name, p.Path); err != nil {
		fmt.Fprintf(d.Out, "dev: cannot record %s in the trust file: %v\n", name, err)
	}
	restart, err := d.Host.Reload(ctx, name)
	switch {
	case err != nil:
		fmt.Fprintf(d.Out, "dev: %s did not start again: %v\n", name, err)
	case restart:
		fmt.Fprintf(d.Out, "dev: %s reloaded in %s; its routes, menu, permissions or slots changed: restart atrium to use them\n", name, time.Since(started).Round(time.Millisecond))
	default:
		fmt.Fprintf(d.Out, "dev: %s reloaded in %s\n", name, time.Since(started).Round(time.Millisecond))
	}
}

func (d *Dev) allow(name, path string) error {
	trust, err := LoadTrust(d.Host.Config.TrustFile)
	if err != nil {
		return err
	}
	sum, err := Sum(path)
	if err != nil {
		return err
	}
	trust.Allow[name] = sum
	return trust.Save(d.Host.Config.TrustFile)
}

func (d *Dev) folders() []string {
	out := append([]string{}, d.Shared...)
	for _, src := range d.Sources {
		out = append(out, src)
	}
	return out
}

// fingerprint sums up a folder's files by name, size and modification time.
func fingerprint(dir string) string {
	var b []byte
	_ = filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return nil
		}
		info, err := e.Info()
		if err != nil {
			return nil
		}
		b = fmt.Appendf(b, "%s %d %d\n", path, info.Size(), info.ModTime().UnixNano())
		return nil
	})
	return string(b)
}
