package operator_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
)

// TestEveryRightAndModuleHasALabel: every permission and module the
// installation knows, the core's and the shipped plugins', has a readable
// name in English and Dutch, and the pages that list them show no message
// key.
func TestEveryRightAndModuleHasALabel(t *testing.T) {
	t.Parallel()
	agenda, chat := coretest.BuildPlugin(t, "plugins/agenda"), coretest.BuildPlugin(t, "plugins/chat")
	app := coretest.NewApp(t, coretest.SQLite(t), coretest.Options{Config: func(c *config.Config) { coretest.WithPlugins(t, c, true, agenda, chat) }})
	for _, locale := range []string{"en", "nl"} {
		ids := app.Catalog().MessageIDs(locale)
		has := func(id string) bool {
			_, found := slices.BinarySearch(ids, id)
			return found || slices.Contains(ids, id)
		}
		for _, p := range app.Access().Registry.Permissions() {
			if !has("permission." + string(p)) {
				t.Errorf("%s: the right %s has no label (permission.%s)", locale, p, p)
			}
		}
		for _, m := range app.Modules().All() {
			if !has(m.Label) {
				t.Errorf("%s: the module %s has no name (%s)", locale, m.ID, m.Label)
			}
		}
	}
	admin := app.Client(t)
	admin.SignIn("admin@harbour.example")
	for _, page := range []string{"/organisation/roles", "/operator/organisations"} {
		res := admin.Get(page)
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d", page, res.StatusCode)
		}
		text := res.Text("main")
		for _, key := range []string{"permission.", "module.", "agenda.", "chat."} {
			if strings.Contains(text, key) {
				t.Errorf("%s shows a message key (%s…): %s", page, key, text)
			}
		}
	}
}

// TestARolesRightsAreGrouped: the role editor shows the rights in named
// groups: the daily work, the organisation, each module by its name.
func TestARolesRightsAreGrouped(t *testing.T) {
	t.Parallel()
	chat := coretest.BuildPlugin(t, "plugins/chat")
	app := coretest.NewApp(t, coretest.SQLite(t), coretest.Options{Config: func(c *config.Config) { coretest.WithPlugins(t, c, true, chat) }})
	admin := app.Client(t)
	admin.SignIn("admin@harbour.example")
	page := admin.Get("/organisation/roles/new")
	var legends []string
	page.Doc.Find("fieldset.permission-group legend").Each(func(_ int, s *goquery.Selection) { legends = append(legends, s.Text()) })
	for _, want := range []string{"Daily work", "The organisation", "Messages"} {
		if !slices.Contains(legends, want) {
			t.Errorf("no group %q among %q", want, legends)
		}
	}
	loose := page.Doc.Find(`input[name=permissions]`).Length() - page.Doc.Find(`fieldset.permission-group input[name=permissions]`).Length()
	if loose != 0 || page.Doc.Find(`fieldset.permission-group input[value="chat.use"]`).Length() != 1 {
		t.Errorf("%d rights outside a group, or chat.use not in one", loose)
	}
}
