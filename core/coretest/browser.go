package coretest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Browser starts headless Chromium (Debian's chromium) for one test and
// returns its context. When the test fails, a screenshot of the page is saved
// in tmp/screenshots/. Without Chromium the test is skipped loudly, or fails
// when REQUIRE_BROWSER=1.
func Browser(t testing.TB) context.Context {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		if os.Getenv("REQUIRE_BROWSER") == "1" {
			t.Fatal("Chromium is required (REQUIRE_BROWSER=1) but not installed; apt-get install chromium")
		}
		t.Skip("!!! browser test SKIPPED: Chromium not found (apt-get install chromium); CI sets REQUIRE_BROWSER=1")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	if err := chromedp.Do(ctx); err != nil { // start the browser now
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
		t.Fatalf("start Chromium: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			saveScreenshot(t, ctx)
		}
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
	})
	return ctx
}

func chromiumPath() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

func saveScreenshot(t testing.TB, ctx context.Context) {
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("no screenshot: %v", err)
		return
	}
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "..", "..", "tmp", "screenshots")
	_ = os.MkdirAll(dir, 0o755)
	name := regexp.MustCompile(`[^A-Za-z0-9_-]+`).ReplaceAllString(t.Name(), "_") + ".png"
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, shot, 0o644); err == nil {
		t.Logf("screenshot of the failing page: %s", path)
	}
}

// Until waits until the JavaScript expression is true on the current page,
// also across a full page load (a plain form post), which ends a single Poll.
func Until(ctx context.Context, expression string) error {
	deadline := time.Now().Add(20 * time.Second)
	for {
		err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](expression, chromedp.WithPollingTimeout(5*time.Second)))
		if err == nil || time.Now().After(deadline) || ctx.Err() != nil {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Shot saves a screenshot of the current page as <name>.png in the folder
// named by ATRIUM_SHOTS, for looking at pages while developing; without it,
// nothing happens.
func Shot(t testing.TB, ctx context.Context, name string) {
	dir := os.Getenv("ATRIUM_SHOTS")
	if dir == "" {
		return
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("shot %s: %v", name, err)
		return
	}
	_ = os.MkdirAll(dir, 0o755)
	_ = os.WriteFile(filepath.Join(dir, name+".png"), shot, 0o644)
}

// Step runs browser actions and fails the test on the first error.
func Step(t testing.TB, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// Wait waits for a JavaScript condition on a fully loaded page, failing the
// test after 20 s. Waiting for the load too keeps the next navigation from
// aborting one still in progress.
func Wait(t testing.TB, ctx context.Context, expression string) {
	t.Helper()
	if err := Until(ctx, `document.readyState === "complete" && (`+expression+`)`); err != nil {
		t.Fatalf("waiting for %s: %v", expression, err)
	}
}

// BrowserSignIn signs in through the sign-in page with a password and a code.
func BrowserSignIn(t testing.TB, ctx context.Context, base, email, password, code string) {
	t.Helper()
	Step(t, ctx, chromedp.Navigate(base+"/signin"), chromedp.WaitVisible("#f-email"),
		chromedp.SendKeys("#f-email", email), chromedp.SendKeys("#f-password", password), chromedp.Click(`main button[type=submit]`))
	Wait(t, ctx, `document.querySelector("#f-code") !== null`)
	Step(t, ctx, chromedp.SendKeys("#f-code", code), chromedp.Click(`main button[type=submit]`))
	// The start page, or where it sends the person (a coachee's dossier).
	Wait(t, ctx, `!location.pathname.startsWith("/signin") && document.querySelector(".usermenu summary .avatar") !== null`)
}

// BrowserSignOut signs out through the user menu.
func BrowserSignOut(t testing.TB, ctx context.Context) {
	t.Helper()
	Step(t, ctx, chromedp.Click(".usermenu summary"), chromedp.WaitVisible(`.usermenu form[action="/signout"] button`),
		chromedp.Click(`.usermenu form[action="/signout"] button`))
	Wait(t, ctx, `location.pathname === "/signin"`)
}

// SubmitAndWait clicks a button that loads a new page (a plain form post, or
// an htmx redirect) and waits until the new page satisfies expression. The
// old page is marked first, so it can never be mistaken for the new one.
func SubmitAndWait(t testing.TB, ctx context.Context, button, expression string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__atriumOldPage = true`)); err != nil {
		t.Fatal(err)
	}
	Step(t, ctx, chromedp.Click(button))
	Wait(t, ctx, `window.__atriumOldPage === undefined && (`+expression+`)`)
}

// Text is the text of the first element the selector finds on the page,
// "" when there is none.
func Text(t testing.TB, ctx context.Context, selector string) string {
	t.Helper()
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector(`+"`"+selector+"`"+`) || {textContent: ""}).textContent`))
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// Script runs JavaScript statements in the page for what they do, failing
// the test when they throw.
func Script(t testing.TB, ctx context.Context, statements string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("(function () {\n"+statements+"\nreturn true;\n})()")); err != nil {
		t.Fatal(err)
	}
}
