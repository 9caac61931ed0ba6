package account_test

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/identity"
)

// TestBrowserInvitationWalkthrough follows a new person from the welcome mail
// (read from a real SMTP server) through choosing a password, setting up the
// authenticator and saving backup codes, then signs them out and in again
// with a code, with a backup code (which then stops working), and through a
// forgotten password.
func TestBrowserInvitationWalkthrough(t *testing.T) {
	t.Parallel()
	smtpd := coretest.SMTP(t)
	app := coretest.NewApp(t, coretest.SQLite(t), coretest.Options{Config: func(c *config.Config) {
		smtpd.Configure(c)
		c.Server.BaseURL = "http://placeholder" // replaced below: links must point at this test server
	}})
	// Links in mails use base_url; point them at the running server.
	admin := app.Client(t)
	admin.SignIn("admin@harbour.example")
	res := admin.PostForm("/people/invite", url.Values{"email": {"sam@example.org"}, "given_name": {"Sam"}, "family_name": {"Visser"}, "role": {"coachee"}})
	if res.StatusCode != 303 {
		t.Fatalf("invite: %d", res.StatusCode)
	}
	welcome := smtpd.WaitFor("sam@example.org")
	if welcome.Subject() != "Your account at Harbour Coaching" || !strings.Contains(welcome.Part("text/html"), "Set up my account") {
		t.Fatalf("welcome mail: %q", welcome.Subject())
	}
	link := strings.Replace(welcome.Link("/invitation/"), "http://placeholder", app.URL, 1)

	ctx := coretest.Browser(t)
	do := func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatal(err)
		}
	}
	until := func(expr string) {
		t.Helper()
		if err := coretest.Until(ctx, expr); err != nil {
			t.Fatalf("waiting for %s: %v", expr, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(sel))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return strings.TrimSpace(s)
	}

	// The invitation: a weak password is refused with the reason shown, live and on sending.
	do(chromedp.Navigate(link), chromedp.WaitVisible("#f-password"))
	do(chromedp.SendKeys("#f-password", "football"))
	until(`document.querySelectorAll("#password-rules .rule-met").length === 1`) // only "not your name" holds
	do(chromedp.SendKeys("#f-confirm", "football"), chromedp.Click(`main button[type=submit]`))
	until(`document.querySelector("#f-password-error") !== null`)
	coretest.Shot(t, ctx, "invitation-refused")
	if reason := text("#f-password-error"); !strings.Contains(reason, "12 characters") {
		t.Errorf("reason shown: %q", reason)
	}
	if terms := text("#f-terms-error"); terms == "" {
		t.Error("the terms were not required")
	}
	const password = "Tulip-Harbour-93"
	// A refused form never sends passwords back: the fields are empty again.
	do(chromedp.SendKeys("#f-password", password), chromedp.SendKeys("#f-confirm", password),
		chromedp.Click(`input[name=terms]`), chromedp.Click(`main button[type=submit]`))

	// The authenticator: compute the code from the secret on the page.
	until(`document.querySelector("#totp-secret") !== null`)
	coretest.Shot(t, ctx, "factor")
	secret := strings.ReplaceAll(text("#totp-secret"), " ", "")
	if len(secret) < 16 {
		t.Fatalf("secret %q", secret)
	}
	enrolled := time.Now()
	do(chromedp.SendKeys("#f-code", identity.CodeAt(secret, enrolled)), chromedp.Click(`main button[type=submit]`))
	until(`document.querySelectorAll("#backup-codes code").length === 10`)
	codes, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#backup-codes code")].map(c => c.textContent)`))
	if err != nil || len(codes) != 10 {
		t.Fatalf("backup codes: %v %v", codes, err)
	}
	coretest.Shot(t, ctx, "backup-codes")
	// Downloaded as a text file, made in the browser.
	downloads := t.TempDir()
	if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads}); err != nil {
		t.Fatal(err)
	}
	do(chromedp.Click(`[data-codes="download"]`))
	var saved []byte
	for deadline := time.Now().Add(10 * time.Second); len(saved) == 0 && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		saved, _ = os.ReadFile(filepath.Join(downloads, "atrium-backup-codes.txt"))
	}
	if string(saved) != strings.Join(codes, "\n")+"\n" {
		t.Errorf("the downloaded codes: %q", saved)
	}
	do(chromedp.Click(`main a.button`))
	until(`document.querySelector("main h1") && document.querySelector("main h1").textContent === "Hello Sam"`)
	if who := text(".usermenu summary"); !strings.Contains(who, "Sam Visser") {
		t.Errorf("signed in as %q", who)
	}

	signOut := func() {
		t.Helper()
		do(chromedp.Click(".usermenu summary"), chromedp.WaitVisible(`.usermenu form[action="/signout"] button`), chromedp.Click(`.usermenu form[action="/signout"] button`))
		until(`location.pathname === "/signin" && document.querySelector("#f-email") !== null`)
	}
	signIn := func(pass, code string) {
		t.Helper()
		do(chromedp.Navigate(app.URL+"/signin"), chromedp.WaitVisible("#f-email"),
			chromedp.SendKeys("#f-email", "sam@example.org"), chromedp.SendKeys("#f-password", pass), chromedp.Click(`main button[type=submit]`))
		until(`document.querySelector("#f-code") !== null`)
		do(chromedp.SendKeys("#f-code", code), chromedp.Click(`main button[type=submit]`))
	}
	signedIn := `location.pathname === "/" && document.querySelector(".usermenu summary").textContent.includes("Sam Visser")`

	coretest.Shot(t, ctx, "start-signed-in")
	// Out and in again with a code (the next time step: the enrolment's code is spent).
	signOut()
	signIn(password, identity.CodeAt(secret, enrolled.Add(30*time.Second)))
	until(signedIn)

	// With a backup code, which then no longer works.
	signOut()
	signIn(password, codes[0])
	until(signedIn)
	signOut()
	signIn(password, codes[0])
	until(`document.querySelector("#f-code-error") !== null`)
	if msg := text("#f-code-error"); !strings.Contains(msg, "used") {
		t.Errorf("a spent backup code: %q", msg)
	}

	// Forgot password: the link arrives by mail, the new password works.
	do(chromedp.Navigate(app.URL+"/forgot"), chromedp.WaitVisible("#f-email"), chromedp.SendKeys("#f-email", "sam@example.org"), chromedp.Click(`main button[type=submit]`))
	until(`document.querySelector("main h1").textContent === "Check your mail"`)
	var reset string
	for deadline := time.Now().Add(15 * time.Second); reset == "" && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		for _, m := range smtpd.Messages() {
			if m.To == "sam@example.org" && m.Link("/reset/") != "" {
				reset = strings.Replace(m.Link("/reset/"), "http://placeholder", app.URL, 1)
			}
		}
	}
	if reset == "" {
		t.Fatal("no reset mail")
	}
	const newPassword = "Harbour-Tulip-39"
	do(chromedp.Navigate(reset), chromedp.WaitVisible("#f-password"),
		chromedp.SendKeys("#f-password", newPassword), chromedp.SendKeys("#f-confirm", newPassword), chromedp.Click(`main button[type=submit]`))
	until(`location.pathname === "/signin" && document.querySelector(".flash-success") !== null`)
	signIn(newPassword, codes[1])
	until(signedIn)
	do(chromedp.Navigate(app.URL+"/settings"), chromedp.WaitVisible("main h1"))
	coretest.Shot(t, ctx, "settings")
}
