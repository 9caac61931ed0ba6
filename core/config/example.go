package config

import (
	"fmt"
	"strings"
	"time"
)

// Example renders config.example.yaml: every key with its meaning, its default
// and the environment variable that overrides it. A test keeps the file in the
// repository equal to this, so the documentation cannot drift from the code.
func Example() string {
	var b strings.Builder
	b.WriteString("# Atrium configuration. Every key is shown with its default.\n")
	b.WriteString("# Environment variables ATRIUM_<SECTION>_<KEY> override this file;\n")
	b.WriteString("# ATRIUM_CONFIG (or -config) names the file. Unknown keys stop start-up.\n")
	cfg := Default()
	section := ""
	for _, k := range keys(&cfg) {
		if k.section != section {
			section = k.section
			fmt.Fprintf(&b, "\n%s:\n", section)
		}
		fmt.Fprintf(&b, "  # %s (%s)\n", k.field.Tag.Get("doc"), k.env())
		fmt.Fprintf(&b, "  %s: %s\n", k.name, render(k.value.Interface()))
	}
	return b.String()
}

func render(v any) string {
	switch v := v.(type) {
	case string:
		if v == "" {
			return `""`
		}
		return v
	case time.Duration:
		return shortDuration(v)
	default:
		return fmt.Sprint(v)
	}
}

// shortDuration writes 2m rather than Go's 2m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
