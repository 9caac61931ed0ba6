package writing_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/atriumhq/atrium/core/coretest"
)

// TestAPreviewCostsLittle: a member's preview of one field of at
// most 20,000 characters must not cost the server seconds and tens of
// megabytes: a table whose head has many columns, followed by many
// one-character rows, is rendered as columns x rows cells.
func TestAPreviewCostsLittle(t *testing.T) {
	t.Parallel()
	app := coretest.NewApp(t, coretest.SQLite(t))
	kim := app.Client(t)
	kim.SignIn("coachee@harbour.example")
	const cols = 450
	text := strings.Repeat("|a", cols) + "\n" + strings.Repeat("|-", cols) + "\n" + strings.Repeat("|\n", (20000-4*cols-2)/2)
	if n := len([]rune(text)); n > 20000 {
		t.Fatalf("%d characters", n)
	}
	start := time.Now()
	res := kim.PostForm("/markdown/preview", url.Values{"field": {"body"}, "body": {text}}, "HX-Request", "true")
	took := time.Since(start)
	t.Logf("%d characters in: %d, %d bytes out in %v", len(text), res.StatusCode, len(res.Body), took)
	if took > time.Second || len(res.Body) > 1<<20 {
		t.Errorf("one preview of %d characters took %v and answered %d MB", len(text), took, len(res.Body)>>20)
	}
}
