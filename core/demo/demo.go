// Package demo seeds the demonstration organisation that `make run` shows, with
// people to sign in as. Seeding is idempotent: running it again changes nothing.
//
// The demo's second factor: every demo account uses the published
// authenticator key TOTPSecret. Add it to an authenticator app by hand, or let
// `atrium demo code` print the current code.
package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/announcement"
	"github.com/atriumhq/atrium/core/dossier"
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
	{Email: "hr@harbour.example", GivenName: "Eva", FamilyName: "Visser", Role: access.RoleEmployerContact},
}

// Deps are the services seeding uses.
type Deps struct {
	Orgs          *tenancy.Service
	Identity      *identity.Service
	Announcements *announcement.Service
	Dossiers      *dossier.Service
	// Modules are every module the installation has; the demo subscribes to all.
	Modules []string
	// Plugins lets each plugin add its demo data, as the demo's coach, with
	// the demo's people (role → id, JSON); it tells which did. Nil adds none.
	Plugins func(ctx context.Context, orgID, coachID int64, people []byte) ([]string, error)
}

// Seed creates the demo organisation and its people unless they exist,
// reporting each step to progress (nil is silent).
func Seed(ctx context.Context, d Deps, progress io.Writer) error {
	orgs, ids := d.Orgs, d.Identity
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
	if !created {
		say("demo: organisation %q is already there\n", org.Name)
		if err := subscribeToNewModules(ctx, orgs, org, d.Modules, say); err != nil {
			return err
		}
		if err := seedDossiers(ctx, d, org, say); err != nil {
			return err
		}
		return seedPlugins(ctx, d, org, say)
	}
	say("demo: created organisation %q\n", org.Name)
	if err := orgs.SetSubscription(ctx, org.ID, tenancy.Plan{Modules: d.Modules, MaxPeople: 50}, d.Modules); err != nil {
		return fmt.Errorf("demo: subscription: %w", err)
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
		if a.Role == access.RoleAdmin && d.Announcements != nil {
			if _, err := d.Announcements.Post(ctx, org.ID, u.ID, "Welcome to the new portal",
				"From today we work together in Atrium. Questions? Ask your coach."); err != nil {
				return err
			}
		}
	}
	if err := seedDossiers(ctx, d, org, say); err != nil {
		return err
	}
	return seedPlugins(ctx, d, org, say)
}

// seedPlugins lets the plugins add their demo data (a coach's hours), as
// the demo's coach.
func seedPlugins(ctx context.Context, d Deps, org *tenancy.Organisation, say func(string, ...any)) error {
	if d.Plugins == nil {
		return nil
	}
	people := map[access.Role]int64{}
	for _, a := range Accounts {
		u, err := d.Identity.ByEmail(ctx, a.Email)
		if err != nil {
			return fmt.Errorf("demo: %s: %w", a.Email, err)
		}
		people[a.Role] = u.ID
	}
	payload, err := json.Marshal(people)
	if err != nil {
		return err
	}
	done, err := d.Plugins(ctx, org.ID, people[access.RoleCoach], payload)
	for _, name := range done {
		say("demo: the %s plugin's demo data is in place\n", name)
	}
	return err
}

// subscribeToNewModules adds modules installed since the demo was seeded (a
// new plugin) to the demo's subscription, switched on.
func subscribeToNewModules(ctx context.Context, orgs *tenancy.Service, org *tenancy.Organisation, modules []string, say func(string, ...any)) error {
	sub, err := orgs.Subscription(ctx, org.ID)
	if err != nil {
		return err
	}
	all := sub.ModuleList()
	for _, m := range modules {
		if !sub.Allows(m) {
			all = append(all, m)
			say("demo: subscribed to the new module %q\n", m)
		}
	}
	if len(all) == len(sub.ModuleList()) {
		return nil
	}
	return orgs.SetSubscription(ctx, org.ID, tenancy.Plan{Modules: all, MaxPeople: max(sub.MaxPeople, 50), StorageMB: sub.StorageMB, MaxFileMB: sub.MaxFileMB}, modules)
}

// Code is the demo accounts' authenticator code right now.
func Code() string { return identity.CodeAt(TOTPSecret, time.Now()) }
