package branding_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"strings"
	"testing"

	"github.com/atriumhq/atrium/core/branding"
	"github.com/atriumhq/atrium/core/coretest"
)

func TestContrast(t *testing.T) {
	t.Parallel()
	if c := branding.Contrast("#000000", "#ffffff"); c < 20.9 || c > 21.1 {
		t.Errorf("black on white = %.2f", c)
	}
	if c := branding.Contrast(branding.DefaultPrimary, "#ffffff"); c < 4.5 {
		t.Errorf("the default primary fails its own rule: %.2f", c)
	}
	if c := branding.Contrast("#ffff00", "#ffffff"); c > 1.2 {
		t.Errorf("yellow on white = %.2f", c)
	}
}

func TestSVGLogosAreCleaned(t *testing.T) {
	t.Parallel()
	dirty := `<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10" onload="alert(1)">
  <script>alert(2)</script>
  <rect width="10" height="10" fill="#1f5f8b" onclick="alert(3)"/>
  <foreignObject><div xmlns="http://www.w3.org/1999/xhtml">hi</div></foreignObject>
  <image href="https://evil.example/x.png"/>
  <a xlink:href="javascript:alert(4)"><circle r="3" fill="url(https://evil.example/#x)"/></a>
  <circle r="2" fill="url(#grad)"/>
</svg>`
	clean, kind, err := branding.CleanLogo([]byte(dirty))
	if err != nil || kind != "image/svg+xml" {
		t.Fatalf("clean: %v %s", err, kind)
	}
	out := string(clean)
	for _, bad := range []string{"script", "alert", "onload", "onclick", "foreignObject", "evil.example", "javascript", "<image", "<a"} {
		if strings.Contains(out, bad) {
			t.Errorf("%q survived: %s", bad, out)
		}
	}
	for _, good := range []string{"<rect", `fill="#1f5f8b"`, `viewBox="0 0 10 10"`, `url(#grad)`} {
		if !strings.Contains(out, good) {
			t.Errorf("%q lost: %s", good, out)
		}
	}
	for name, bad := range map[string]string{
		"doctype entities": `<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg">&x;</svg>`,
		"broken xml":       `<svg xmlns="http://www.w3.org/2000/svg"><rect>`,
		"html":             `<?xml version="1.0"?><html><body>no svg</body></html>`,
	} {
		if _, _, err := branding.CleanLogo([]byte(bad)); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}

func TestBitmapLogosAndLimits(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	_ = png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 1000, 200)))
	out, kind, err := branding.CleanLogo(buf.Bytes())
	if err != nil || kind != "image/png" {
		t.Fatalf("png: %v", err)
	}
	cfg, _, _ := image.DecodeConfig(bytes.NewReader(out))
	if cfg.Width != 512 || cfg.Height != 102 {
		t.Errorf("scaled to %dx%d", cfg.Width, cfg.Height)
	}
	if _, _, err := branding.CleanLogo(make([]byte, branding.MaxLogoBytes+1)); !errors.Is(err, branding.ErrLogoSize) {
		t.Errorf("oversized: %v", err)
	}
	if _, _, err := branding.CleanLogo([]byte("GIF89a not a logo")); !errors.Is(err, branding.ErrLogoFormat) {
		t.Errorf("not an image: %v", err)
	}
}

func TestSaveIsAllOrNothing(t *testing.T) {
	t.Parallel()
	app := coretest.NewApp(t, coretest.SQLite(t))
	ctx := context.Background()
	org, _ := app.Organisations().BySlug(ctx, "harbour")
	brands := branding.NewService(app.DB(), []string{"default"})
	good := branding.Look{Primary: "#1F5F8B", Accent: "#c2410c", Theme: "default"}
	if err := brands.Save(ctx, org.ID, good); err != nil {
		t.Fatal(err)
	}
	var inv *branding.Invalid
	err := brands.Save(ctx, org.ID, branding.Look{Primary: "#ffff00", Accent: "red", Theme: "neon", Logo: []byte("not an image")})
	if !errors.As(err, &inv) || len(inv.Fields) != 4 {
		t.Fatalf("bad look: %v", err)
	}
	b, _ := brands.For(ctx, []int64{org.ID})
	if b.Primary != "#1f5f8b" || b.Accent != "#c2410c" {
		t.Errorf("a refused look changed the saved one: %+v", b)
	}
	if !strings.Contains(b.CSS(), "--brand:#1f5f8b") {
		t.Errorf("css %q", b.CSS())
	}
}
