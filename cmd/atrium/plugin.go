package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/pluginhost"
	"github.com/atriumhq/atrium/plugins/scaffold"
)

// pluginCommand manages the operator's trust in plugin binaries:
//
//	atrium plugin new NAME       make plugins/NAME from the skeleton
//	atrium plugin list           the binaries in plugins.dir and whether each may run
//	atrium plugin allow NAME     allow the binary as it is now (its SHA-256)
//	atrium plugin allow --all    allow every binary in plugins.dir (development)
//	atrium plugin keygen VENDOR  a vendor's signing key pair
//	atrium plugin sign BIN KEY   sign a binary (BIN.sig)
//	atrium plugin trust VENDOR PUBLICKEY  run binaries signed by the vendor
//	atrium plugin disable NAME   do not start it
//	atrium plugin enable NAME    start it again
func pluginCommand(cfg config.Config, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errUsage
	}
	bins, err := pluginhost.Binaries(cfg.Plugins.Dir)
	if err != nil {
		return err
	}
	trust, err := pluginhost.LoadTrust(cfg.Plugins.TrustFile)
	if err != nil {
		return err
	}
	switch {
	case args[0] == "new" && len(args) == 2:
		root, err := scaffold.Write("plugins", args[1])
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "plugin: created %s\n  next: make build && ./bin/atrium plugin allow %s && ./bin/atrium demo && ./bin/atrium serve\n  then open /m/%s/ (see docs/plugins.md)\n", root, args[1], args[1])
		return nil
	case args[0] == "list" && len(args) == 1:
		names := make([]string, 0, len(bins))
		for n := range bins {
			names = append(names, n)
		}
		sort.Strings(names)
		if len(names) == 0 {
			fmt.Fprintf(stdout, "plugin: no plugin binaries in %s\n", cfg.Plugins.Dir)
		}
		for _, n := range names {
			sum, err := pluginhost.Sum(bins[n])
			if err != nil {
				return err
			}
			state := "not allowed (atrium plugin allow " + n + ")"
			if trust.Allowed(n, sum) {
				state = "allowed"
			}
			for _, d := range trust.Disabled {
				if d == n {
					state = "disabled"
				}
			}
			fmt.Fprintf(stdout, "  %-20s %s  %s\n", n, sum[:12], state)
		}
		return nil
	case args[0] == "allow" && len(args) == 2:
		names := []string{args[1]}
		if args[1] == "--all" {
			names = names[:0]
			for n := range bins {
				names = append(names, n)
			}
			sort.Strings(names)
		}
		for _, n := range names {
			path, ok := bins[n]
			if !ok {
				return fmt.Errorf("plugin: no binary %q in %s; build it there first (make build)", n, cfg.Plugins.Dir)
			}
			sum, err := pluginhost.Sum(path)
			if err != nil {
				return err
			}
			trust.Allow[n] = sum
			fmt.Fprintf(stdout, "plugin: allowed %s (sha256 %s…)\n", n, sum[:12])
		}
		return trust.Save(cfg.Plugins.TrustFile)
	case args[0] == "keygen" && len(args) == 2:
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return err
		}
		path := args[1] + ".key"
		if err := os.WriteFile(path, []byte(hex.EncodeToString(priv)+"\n"), 0o600); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "plugin: private key in %s (keep it secret)\n  public key, for operators: atrium plugin trust %s %s\n", path, args[1], hex.EncodeToString(pub))
		return nil
	case args[0] == "sign" && len(args) == 3:
		raw, err := os.ReadFile(args[2])
		if err != nil {
			return fmt.Errorf("plugin sign: cannot read the key %s: %w", args[2], err)
		}
		key, err := hex.DecodeString(strings.TrimSpace(string(raw)))
		if err != nil || len(key) != ed25519.PrivateKeySize {
			return fmt.Errorf("plugin sign: %s is not a key made by atrium plugin keygen", args[2])
		}
		if err := pluginhost.Sign(args[1], ed25519.PrivateKey(key)); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "plugin: signed; ship %s with %s.sig\n", args[1], args[1])
		return nil
	case args[0] == "trust" && len(args) == 3:
		pub, err := hex.DecodeString(args[2])
		if err != nil || len(pub) != ed25519.PublicKeySize {
			return fmt.Errorf("plugin trust: %q is not an Ed25519 public key (64 hex digits)", args[2])
		}
		if trust.Vendors == nil {
			trust.Vendors = map[string]string{}
		}
		trust.Vendors[args[1]] = args[2]
		fmt.Fprintf(stdout, "plugin: binaries signed by %s may run; restart Atrium to apply\n", args[1])
		return trust.Save(cfg.Plugins.TrustFile)
	case (args[0] == "disable" || args[0] == "enable") && len(args) == 2:
		trust.SetDisabled(args[1], args[0] == "disable")
		fmt.Fprintf(stdout, "plugin: %s %sd; restart Atrium to apply\n", args[1], args[0])
		return trust.Save(cfg.Plugins.TrustFile)
	}
	return errUsage
}
