// Package tour_test walks the administrator's pages in Chromium: each must
// render with its heading and without a server error. With ATRIUM_SHOTS=<dir>
// it also saves a screenshot of each, for looking at them while developing.
package tour_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/demo"
	"github.com/atriumhq/atrium/core/identity"
)

func TestBrowserTourOfAdministration(t *testing.T) {
	t.Parallel()
	app := coretest.NewApp(t, coretest.SQLite(t), coretest.Options{Config: func(c *config.Config) {
		coretest.WithPlugins(t, c, true, coretest.BuildPlugin(t, "plugins/example"), coretest.BuildPlugin(t, "plugins/agenda"), coretest.BuildPlugin(t, "plugins/chat"))
	}})
	ctx := coretest.Browser(t)
	coretest.BrowserSignIn(t, ctx, app.URL, "admin@harbour.example", demo.Password, identity.CodeAt(demo.TOTPSecret, time.Now()))
	for _, p := range []string{"/", "/people", "/people/2", "/organisation", "/organisation/daughters", "/organisation/modules", "/organisation/look", "/organisation/roles", "/organisation/roles/new", "/organisation/audit", "/operator/organisations", "/operator/organisations/1", "/operator/plugins", "/m/example/", "/announcements", "/settings/notifications", "/notices", "/settings", "/switch", "/people/invite", "/dossiers", "/dossiers/new", "/dossiers/1", "/dossiers/1/edit", "/dossiers/1/sharing", "/dossiers/1/trajectories/new", "/products", "/tasks", "/teams", "/settings/privacy", "/m/agenda/availability", "/m/agenda/agenda", "/m/agenda/agenda?view=month", "/m/agenda/themes", "/m/chat/"} {
		coretest.Step(t, ctx, chromedp.Navigate(app.URL+p), chromedp.WaitVisible("main h1"))
		code, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector(".error-code") ? document.querySelector(".error-code").textContent : ""`))
		if err != nil || code != "" {
			t.Errorf("%s shows error %q %v", p, code, err)
		}
		coretest.Shot(t, ctx, "tour"+strings.NewReplacer("/", "_", ":", "_").Replace(p))
	}
}
