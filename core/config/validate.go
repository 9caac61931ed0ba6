package config

import (
	"encoding/hex"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Validate checks values that parse but make no sense, such as a port out of
// range or a database address Atrium cannot use. The first problem is returned.
func (c Config) Validate() error {
	bad := func(k, problem string) error { return &Error{Where: "configuration", Key: k, Problem: problem} }

	for _, k := range keys(&c) {
		if enum := k.field.Tag.Get("enum"); enum != "" {
			v := k.value.String()
			if !contains(strings.Split(enum, ","), v) {
				return bad(k.dotted(), fmt.Sprintf("%q is not allowed; %s", v, allowed(k)))
			}
		}
		switch v := k.value.Interface().(type) {
		case time.Duration:
			if v <= 0 {
				return bad(k.dotted(), "must be longer than zero, such as 30s")
			}
		case int:
			// A key tagged zero:"off" may be 0, which switches its rule off.
			if v < 0 && k.field.Tag.Get("zero") != "" {
				return bad(k.dotted(), "must be a whole number, 0 or above")
			}
			if v <= 0 && k.field.Tag.Get("zero") == "" {
				return bad(k.dotted(), "must be a whole number above zero")
			}
		}
	}

	if problem := hostPort(c.Server.Address, "127.0.0.1:8080"); problem != "" {
		return bad("server.address", problem)
	}
	if c.Server.MetricsAddress != "" { // empty switches the metrics off
		if problem := hostPort(c.Server.MetricsAddress, "127.0.0.1:9090"); problem != "" {
			return bad("server.metrics_address", problem)
		}
		// Port 0 picks a free port for each, so only a fixed port can clash.
		if c.Server.MetricsAddress == c.Server.Address && !strings.HasSuffix(c.Server.Address, ":0") {
			return bad("server.metrics_address", fmt.Sprintf("%q is server.address too; choose another port, or leave it empty to serve no metrics", c.Server.MetricsAddress))
		}
	}

	u, err := url.Parse(c.Server.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return bad("server.base_url", fmt.Sprintf("%q must be an http:// or https:// address", c.Server.BaseURL))
	}

	if c.Identity.PasswordClasses > 4 {
		return bad("identity.password_classes", "must be from 1 to 4")
	}
	if c.Security.SecretKey != "" {
		if b, err := hex.DecodeString(c.Security.SecretKey); err != nil || len(b) != 32 {
			return bad("security.secret_key", "must be 64 hex digits (32 bytes); make one with: atrium secret")
		}
	} else if c.Security.KeyFile == "" {
		return bad("security.key_file", "must name a file when security.secret_key is empty")
	}
	if _, err := mail.ParseAddress(c.Mail.From); err != nil {
		return bad("mail.from", fmt.Sprintf("%q is not a mail address such as Atrium <no-reply@example.org>", c.Mail.From))
	}
	if _, err := c.Database.Kind(); err != nil {
		return bad("database.url", err.Error())
	}
	if c.Files.S3Endpoint != "" {
		if p := hostPort(c.Files.S3Endpoint, "s3.example.org:443"); p != "" {
			return bad("files.s3_endpoint", p)
		}
		if c.Files.S3Bucket == "" {
			return bad("files.s3_bucket", "must name a bucket when files.s3_endpoint is set")
		}
	} else if c.Files.Dir == "" {
		return bad("files.dir", "must name a folder when files.s3_endpoint is empty")
	}
	return nil
}

// hostPort checks an address to listen on; the problem is "" when it is
// good, and names example otherwise.
func hostPort(address, example string) string {
	_, port, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Sprintf("%q is not host:port, such as %s", address, example)
	}
	// An empty host means every interface, which is allowed.
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Sprintf("port %q must be a number from 0 to 65535", port)
	}
	return ""
}

// Kind tells which database the URL selects: "sqlite" or "postgres".
func (d Database) Kind() (string, error) {
	switch {
	case strings.HasPrefix(d.URL, "file:") && len(d.URL) > len("file:"):
		return "sqlite", nil
	case strings.HasPrefix(d.URL, "postgres://"), strings.HasPrefix(d.URL, "postgresql://"):
		if _, err := url.Parse(d.URL); err != nil {
			return "", fmt.Errorf("%s is not a valid address", d.Redacted())
		}
		return "postgres", nil
	}
	return "", fmt.Errorf("%q must start with file: (embedded SQLite, e.g. file:data/atrium.db) or postgres:// (PostgreSQL)", d.Redacted())
}

// Redacted is the URL with any password replaced, safe to print and log.
func (d Database) Redacted() string {
	u, err := url.Parse(d.URL)
	if err != nil || u.User == nil {
		return d.URL
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}
