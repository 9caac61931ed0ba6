// Package demo seeds the demonstration organisation that `make run` shows, with
// people to sign in as. Seeding is idempotent: running it again changes nothing.
//
// The demo's second factor: every demo account uses the published
// authenticator key TOTPSecret. Add it to an authenticator app by hand, or let
// `atrium demo code` print the current code.
package demo

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/identity"
	"github.com/atriumhq/atrium/core/tenancy"
)

// Slug identifies the demo organisation.
const Slug = "harbour"

// Password is every demo account's password. It is public: never seed the
// demo on a server other people can reach.
const Password = "Harbour-Lights-2026"

// TOTPSecret is the demo accounts' published authenticator key (base32).
const TOTPSecret = "ATRIUMDEMOKEYFORHARBOURCOACHING2"

// Account is one demo login.
type Account struct {
	Email, GivenName, FamilyName string
	Role                         access.Role
	Operator                     bool
}

// Accounts are the demo's people.
var Accounts = []Account{
	{Email: "admin@harbour.example", GivenName: "Alex", FamilyName: "de Wit", Role: access.RoleAdmin, Operator: true},
	{Email: "coach@harbour.example", GivenName: "Chris", FamilyName: "Jansen", Role: access.RoleCoach},
	{Email: "coachee@harbour.example", GivenName: "Kim", FamilyName: "Bakker", Role: access.RoleCoachee},
}

// Seed creates the demo organisation and its people unless they exist,
// reporting each step to progress (nil is silent).
func Seed(ctx context.Context, orgs *tenancy.Service, ids *identity.Service, progress io.Writer) error {
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
	if ids == nil {
		return nil
	}
	for _, a := range Accounts {
		u, made, err := ids.Seed(ctx, org, identity.Invitee{Email: a.Email, GivenName: a.GivenName, FamilyName: a.FamilyName, Role: a.Role}, Password, TOTPSecret)
		if err != nil {
			return fmt.Errorf("demo: %s: %w", a.Email, err)
		}
		if a.Operator && !u.Operator {
			if err := ids.MakeOperator(ctx, u); err != nil {
				return err
			}
		}
		if made {
			say("demo: created %s (%s)\n", a.Email, a.Role)
		}
	}
	return nil
}

// Code is the demo accounts' authenticator code right now.
func Code() string { return identity.CodeAt(TOTPSecret, time.Now()) }
