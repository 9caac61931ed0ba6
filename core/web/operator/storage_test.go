package operator_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/files"
)

// TestSubscriptionStorage: the operator sets a subscriber's storage and
// largest file, sees what it uses, and bad numbers change nothing.
func TestSubscriptionStorage(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		ctx := context.Background()
		org := app.DemoOrg(t)
		if _, err := app.Files().Store(ctx, files.Upload{OrganisationID: org, Owner: "notes", Ref: "r", Name: "a.txt", Accept: []string{"text"}},
			strings.NewReader(strings.Repeat("a line of text\n", 100_000))); err != nil {
			t.Fatal(err)
		}
		op := app.Client(t)
		op.SignIn("admin@harbour.example") // the demo's administrator is the operator too
		page := "/operator/organisations/" + strconv.FormatInt(org, 10)
		sub, _ := app.Organisations().Subscription(ctx, org)
		form := func(storage, largest string) url.Values {
			return url.Values{"modules": sub.ModuleList(), "max_people": {strconv.Itoa(sub.MaxPeople)}, "storage_mb": {storage}, "max_file_mb": {largest}}
		}
		for _, bad := range [][2]string{{"lots", "5"}, {"-1", "5"}, {"20", "-3"}, {"999999999999", "5"}} {
			if res := op.PostForm(page+"/subscription", form(bad[0], bad[1])); res.StatusCode != 422 {
				t.Errorf("%v: %d", bad, res.StatusCode)
			}
		}
		if got, _ := app.Organisations().Subscription(ctx, org); got.StorageMB != 0 || got.MaxFileMB != 0 {
			t.Errorf("bad numbers changed the subscription: %+v", got)
		}
		if res := op.PostForm(page+"/subscription", form("20", "5")); res.StatusCode != 303 {
			t.Fatalf("save: %d", res.StatusCode)
		}
		if got := op.Get(page).Text("#storage"); got != "1.4 MiB of 20.0 MiB" {
			t.Errorf("storage shown: %q", got)
		}
		if got, _ := app.Organisations().Subscription(ctx, org); got.StorageMB != 20 || got.MaxFileMB != 5 {
			t.Errorf("saved: %+v", got)
		}
	})
}
