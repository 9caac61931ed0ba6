package demo

import (
	"context"
	"fmt"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/dossier"
	"github.com/atriumhq/atrium/core/tenancy"
)

// people are the demo's dossiers: Kim (the demo coachee) with a running
// trajectory, and colleagues registered by the employer contact who wait for
// theirs (starting one invites the person; the demo sends no mail itself).
var people = []dossier.Details{
	{PersonnelNumber: "10231", FamilyName: "Bakker", GivenName: "Kim", Initials: "K.", Gender: "female", BirthDate: "1988-03-14",
		Email: "coachee@harbour.example", Department: "Customer service", Location: "Rotterdam", City: "Rotterdam", Country: "Netherlands"},
	{PersonnelNumber: "10187", FamilyName: "Smit", GivenName: "Daniëlle", Initials: "D.", Gender: "female", BirthDate: "1979-11-02",
		Email: "danielle.smit@harbour.example", Department: "Finance", Location: "Utrecht"},
	{PersonnelNumber: "10302", FamilyName: "Vries", NamePrefix: "de", GivenName: "Bram", Initials: "B.", Gender: "male", BirthDate: "1992-07-21",
		Email: "bram.devries@harbour.example", Department: "Logistics", Location: "Rotterdam"},
	{PersonnelNumber: "10410", FamilyName: "Mulder", GivenName: "Sanne", Initials: "S.J.", Gender: "female", BirthDate: "1985-01-30",
		Email: "sanne.mulder@harbour.example", Department: "Sales", Location: "Amsterdam", CostCentre: "PO-2026-118"},
}

// products are the demo's trajectories on offer.
var products = []struct {
	name     string
	sessions string
}{{"Individual coaching (4 sessions)", "4"}, {"Individual coaching (5 sessions)", "5"}, {"Extension (1 session)", "1"}}

// seedDossiers adds the demo's products and dossiers when the organisation
// has none yet: registered by the employer contact, coached by the coach.
func seedDossiers(ctx context.Context, d Deps, org *tenancy.Organisation, say func(string, ...any)) error {
	if d.Dossiers == nil {
		return nil
	}
	list, err := d.Dossiers.Products(ctx, []int64{org.ID}, true)
	if err != nil || len(list) > 0 {
		return err
	}
	for _, p := range products {
		if _, err := d.Dossiers.SaveProduct(ctx, org.ID, 0, p.name, p.sessions, true); err != nil {
			return fmt.Errorf("demo: product: %w", err)
		}
	}
	hr, err := d.Identity.ByEmail(ctx, "hr@harbour.example")
	if err != nil {
		return err
	}
	coach, err := d.Identity.ByEmail(ctx, "coach@harbour.example")
	if err != nil {
		return err
	}
	employer := dossier.Who{UserID: hr.ID, OrgID: org.ID, Can: access.Set{}.Add(access.DossiersViewAll, access.DossiersRegister, access.TrajectoriesStart)}
	manager := dossier.Who{UserID: hr.ID, OrgID: org.ID, Can: access.Set{}.Add(access.DossiersManage)}
	if list, err = d.Dossiers.Products(ctx, []int64{org.ID}, false); err != nil {
		return err
	}
	for i, p := range people {
		x, err := d.Dossiers.Register(ctx, employer, p, "")
		if err != nil {
			return fmt.Errorf("demo: dossier %s: %w", p.GivenName, err)
		}
		if err := d.Dossiers.SetCoach(ctx, manager, x.ID, coach.ID, ""); err != nil {
			return err
		}
		// Kim has started; the others wait for their start.
		if i == 0 {
			start := dossier.Start{ProductID: fmt.Sprint(productNamed(list, products[0].name)), StartDate: "2026-11-02"}
			if _, err := d.Dossiers.StartTrajectory(ctx, employer, x.ID, []int64{org.ID}, start, ""); err != nil {
				return err
			}
		}
	}
	say("demo: registered %d dossiers with %d trajectories on offer\n", len(people), len(products))
	return nil
}

func productNamed(list []dossier.Product, name string) int64 {
	for _, p := range list {
		if p.Name == name {
			return p.ID
		}
	}
	return 0
}
