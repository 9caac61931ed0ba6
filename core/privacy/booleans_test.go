package privacy_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/dossier"
	"github.com/atriumhq/atrium/core/privacy"
)

// TestExportYesNoFieldsAreBooleans: a yes-or-no field reads true or false
// in the download, whichever database the installation runs on.
func TestExportYesNoFieldsAreBooleans(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		ctx := context.Background()
		kim, err := app.Identity().ByEmail(ctx, "coachee@harbour.example")
		if err != nil {
			t.Fatal(err)
		}
		if err := app.Identity().SetMailPreferences(ctx, kim.ID, []string{dossier.Module}); err != nil {
			t.Fatal(err)
		}
		files := export(t, privacy.NewService(app.DB(), 0, privacy.Deps{}), kim.ID)
		for file, fields := range map[string][]string{
			"account.json":          {"totp_enabled"},
			"memberships.json":      {"active", "web_access"},
			"mail_preferences.json": {"enabled"},
		} {
			var rows []map[string]any
			if err := json.Unmarshal([]byte(files[file]), &rows); err != nil || len(rows) == 0 {
				t.Fatalf("%s: %v %s", file, err, files[file])
			}
			for _, f := range fields {
				if _, ok := rows[0][f].(bool); !ok {
					t.Errorf("%s: %s is %#v, want true or false", file, f, rows[0][f])
				}
			}
		}
	})
}
