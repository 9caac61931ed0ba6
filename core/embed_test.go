package core_test

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core"
	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/web"
)

// TestEmbedInAHostProgram uses the core as another Go program would: build it,
// mount routes of its own (one plain, one rendered in the theme with a
// navigation entry), serve (the metrics too), and shut down gracefully while
// a request is in flight, which must still complete.
func TestEmbedInAHostProgram(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		cfg := config.Default()
		cfg.Database = db
		cfg.Server.Address = "127.0.0.1:0"
		cfg.Server.MetricsAddress = "127.0.0.1:0"
		cfg.Security.KeyFile = filepath.Join(t.TempDir(), "secret.key")
		cfg.Files.Dir = filepath.Join(t.TempDir(), "files")
		app, err := core.New(cfg, core.WithLogOutput(io.Discard))
		if err != nil {
			t.Fatal(err)
		}
		defer app.Close()

		started := make(chan struct{})
		app.Router().Get("/host/ping", func(c fiber.Ctx) error { return c.SendString("pong from the host") })
		app.Router().Get("/host/page", func(c fiber.Ctx) error {
			return app.Web().Render(c, web.Page{Template: "pages/about", Title: "about.title"})
		})
		app.Router().Get("/host/slow", func(c fiber.Ctx) error {
			close(started)
			time.Sleep(500 * time.Millisecond)
			return c.SendString("finished")
		})
		app.Web().AddNav(web.NavItem{Label: "nav.about", Icon: "info", Path: "/host/page"})

		ctx, stop := context.WithCancel(context.Background())
		ln, err := app.Listen()
		if err != nil {
			t.Fatal(err)
		}
		base := "http://" + ln.Addr().String()
		metrics := "http://" + app.MetricsAddr().String() + "/metrics"
		if _, err := app.Migrate(ctx, nil); err != nil {
			t.Fatal(err)
		}
		served := make(chan error, 1)
		go func() { served <- app.Serve(ctx, ln) }()

		if body := get(t, base+"/host/ping"); body != "pong from the host" {
			t.Errorf("host route: %q", body)
		}
		if body := get(t, metrics); !strings.Contains(body, "atrium_realtime_streams ") {
			t.Errorf("metrics while serving: %q", body)
		}
		page := get(t, base+"/host/page")
		if !strings.Contains(page, "<h1 tabindex=\"-1\">About Atrium</h1>") || !strings.Contains(page, `href="/host/page" aria-current="page"`) {
			t.Error("host page is not rendered in the layout with its navigation entry")
		}

		slow := make(chan string, 1)
		go func() { slow <- get(t, base+"/host/slow") }()
		<-started
		stop() // SIGTERM in cmd/atrium does exactly this
		if body := <-slow; body != "finished" {
			t.Errorf("request in flight during shutdown: %q", body)
		}
		select {
		case err := <-served:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Serve did not return after shutdown")
		}
		if _, err := http.Get(base + "/host/ping"); err == nil {
			t.Error("still accepting connections after shutdown")
		}
		if _, err := http.Get(metrics); err == nil {
			t.Error("the metrics address still accepts connections after shutdown")
		}
	})
}

func get(t *testing.T, url string) string {
	res, err := http.Get(url)
	if err != nil {
		t.Error(err)
		return ""
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return string(body)
}

func TestInitials(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]string{"Harbour Coaching": "HC", "élan": "É", "De Nieuwe Koers Zorg": "DN", "": "", "  (x) y": "Y"} {
		if got := web.Initials(name); got != want {
			t.Errorf("Initials(%q) = %q, want %q", name, got, want)
		}
	}
}
