package dossiers_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
)

// TestSharesOutsideTheOrganisationShowOnlyTheAddress: sharing a dossier
// with an address must not tell the sharer's organisation who has it. For a
// person outside the dossier's organisation its pages show the address that
// was typed, never the account's name, photo or organisations (the photo's
// own address answers 404); people of the organisation keep their names.
func TestSharesOutsideTheOrganisationShowOnlyTheAddress(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		ctx := context.Background()
		otherOrganisation(t, app, "kracht", "leon@kracht.example", access.RoleCoach)
		leon, err := app.Identity().ByEmail(ctx, "leon@kracht.example")
		if err != nil {
			t.Fatal(err)
		}
		var photo bytes.Buffer
		_ = png.Encode(&photo, image.NewRGBA(image.Rect(0, 0, 32, 32)))
		if err := app.Identity().SetPhoto(ctx, leon, photo.Bytes()); err != nil {
			t.Fatal(err)
		}
		coach := app.Client(t)
		coach.SignIn("coach@harbour.example")
		kim := findDossier(t, app, "Bakker")
		base := "/dossiers/" + strconv.FormatInt(kim, 10)
		for _, email := range []string{"leon@kracht.example", "hr@harbour.example"} {
			if res := coach.PostForm(base+"/sharing", url.Values{"email": {email}, "level": {"view"}}); res.StatusCode != 303 {
				t.Fatalf("share with %s: %d %s", email, res.StatusCode, res.Text(".field-error"))
			}
		}
		leonPhoto := base + "/members/" + strconv.FormatInt(leon.ID, 10) + "/photo"
		page := coach.Get(base)
		sharing := coach.Get(base + "/sharing")
		for name, got := range map[string]*coretest.Response{"dossier page": page, "sharing page": sharing} {
			html, _ := got.Doc.Find("#members, #share-list").Html()
			text := got.Text("#members") + got.Text("#share-list")
			if !strings.Contains(text, "leon@kracht.example") {
				t.Errorf("%s: the address shared with is not shown: %q", name, text)
			}
			for _, leak := range []string{"Leon", "Peters", "Kracht"} {
				if strings.Contains(html, leak) {
					t.Errorf("%s shows %q of the account outside the organisation", name, leak)
				}
			}
			if strings.Contains(html, leonPhoto) {
				t.Errorf("%s links the outside account's photo", name)
			}
			if !strings.Contains(text, "Eva Visser") || !strings.Contains(text, "Chris Jansen") {
				t.Errorf("%s: people of the organisation lost their names: %q", name, text)
			}
		}
		if res := coach.Get(leonPhoto); res.StatusCode != 404 {
			t.Errorf("the outside account's photo: %d", res.StatusCode)
		}
		kimClient := app.Client(t)
		kimClient.SignIn("coachee@harbour.example")
		if res := kimClient.Get(leonPhoto); res.StatusCode != 404 {
			t.Errorf("the outside account's photo to the dossier's person: %d", res.StatusCode)
		}
	})
}
