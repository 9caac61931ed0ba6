// Package demo seeds the demonstration organisation that `make run` shows.
// Seeding is idempotent: running it again changes nothing.
package demo

import (
	"context"
	"fmt"
	"io"

	"github.com/atriumhq/atrium/core/tenancy"
)

// Slug identifies the demo organisation.
const Slug = "harbour"

// Seed creates the demo organisation unless it exists, reporting each step to
// progress (nil is silent).
func Seed(ctx context.Context, orgs *tenancy.Service, progress io.Writer) error {
	say := func(format string, args ...any) {
		if progress != nil {
			fmt.Fprintf(progress, format, args...)
		}
	}
	org, created, err := orgs.Ensure(ctx, tenancy.Organisation{
		Slug: Slug, Name: "Harbour Coaching", Locale: "en", TimeZone: "Europe/Amsterdam",
	})
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if created {
		say("demo: created organisation %q\n", org.Name)
	} else {
		say("demo: organisation %q is already there\n", org.Name)
	}
	return nil
}
