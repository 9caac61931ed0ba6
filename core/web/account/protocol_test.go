package account_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core"
	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/demo"
	"github.com/atriumhq/atrium/core/web"
)

// TestAppPasswordsOpenProtocolEndpointsOnly mounts a protocol endpoint as the
// CalDAV module will, behind AppPasswordAuth, and tries each kind of password.
func TestAppPasswordsOpenProtocolEndpointsOnly(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db, coretest.Options{Before: func(a *core.App) {
			a.Router().Get("/dav/whoami", a.Web().AppPasswordAuth(), func(c fiber.Ctx) error {
				return c.SendString(web.ProtocolUser(c).Email)
			})
		}})
		coach := app.Client(t)
		coach.SignIn("coach@harbour.example")
		plain := coach.PostForm("/settings/app-passwords", url.Values{"name": {"Calendar"}}).Text("#new-app-password")

		try := func(user, password string) (int, string) {
			req, _ := http.NewRequest(http.MethodGet, app.URL+"/dav/whoami", nil)
			if user != "" {
				req.SetBasicAuth(user, password)
			}
			res := app.Client(t).Do(req)
			return res.StatusCode, res.Body
		}
		if code, _ := try("", ""); code != 401 {
			t.Errorf("no credentials: %d", code)
		}
		if code, _ := try("coach@harbour.example", demo.Password); code != 401 {
			t.Errorf("the account password opened a protocol endpoint: %d", code)
		}
		if code, body := try("Coach@Harbour.example", plain); code != 200 || body != "coach@harbour.example" {
			t.Errorf("app password: %d %q", code, body)
		}
		if code, _ := try("coachee@harbour.example", plain); code != 401 {
			t.Errorf("someone else's app password: %d", code)
		}
		page := coach.Get("/settings/app-passwords")
		if page.Text("tbody td:nth-child(3)") == "Never" {
			t.Error("last use not recorded")
		}
		revoke, _ := page.Doc.Find(`form[action$="/revoke"]`).Attr("action")
		if res := coach.PostForm(revoke, url.Values{}); res.StatusCode != 303 {
			t.Fatalf("revoke: %d", res.StatusCode)
		}
		if code, _ := try("coach@harbour.example", plain); code != 401 {
			t.Errorf("revoked app password: %d", code)
		}
	})
}
