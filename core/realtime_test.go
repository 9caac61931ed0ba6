package core_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/realtime"
)

// TestEventStream: a signed-in tab gets the events of its own topic and no
// one else's, catches up after a reconnect with Last-Event-ID, cannot add
// topics the page did not sign, and the metrics count it.
func TestEventStream(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		ctx := context.Background()
		coach := app.Client(t)
		coach.SignIn("coach@harbour.example")
		me, _ := app.Identity().ByEmail(ctx, "coach@harbour.example")
		kim, _ := app.Identity().ByEmail(ctx, "coachee@harbour.example")
		org := orgOf(t, app, me.ID)
		stream := coach.Stream("/events")
		if stream.Status != 200 {
			t.Fatalf("the stream: %d", stream.Status)
		}
		publish := func(user int64, name, data string) {
			t.Helper()
			if err := app.Publish(ctx, realtime.Event{OrganisationID: org, Topic: "user:" + strconv.FormatInt(user, 10), Name: name, Data: data}); err != nil {
				t.Fatal(err)
			}
		}
		app.WaitStreams(t, 1)
		publish(kim.ID, "secret", "for Kim")
		publish(me.ID, "hello", "<p>one</p>\n<p>two</p>")
		e, ok := stream.Next(5 * time.Second)
		if !ok || e.Name != "hello" || e.Data != "<p>one</p>\n<p>two</p>" || e.ID == "" {
			t.Fatalf("the event: %+v %v", e, ok)
		}
		stream.Close()
		publish(me.ID, "missed", "while away")
		back := coach.Stream("/events", "Last-Event-ID", e.ID)
		if e, ok := back.Next(5 * time.Second); !ok || e.Name != "missed" {
			t.Errorf("after reconnecting: %+v %v", e, ok)
		}
		if s := coach.Stream("/events?topics=dossier:1&sig=forged"); s.Status != 403 {
			t.Errorf("a forged topic list: %d", s.Status)
		}
		if s := app.Client(t).Stream("/events"); s.Status == 200 {
			t.Errorf("a stream without signing in: %d", s.Status)
		}
		metrics := app.Client(t).Get("/metrics")
		if metrics.StatusCode != 200 || !strings.Contains(metrics.Body, "atrium_realtime_streams ") || !strings.Contains(metrics.Body, "atrium_realtime_fanout_seconds_count") {
			t.Errorf("metrics: %d %s", metrics.StatusCode, metrics.Body)
		}
		if forwarded := app.Client(t).Get("/metrics", "X-Forwarded-For", "203.0.113.9"); forwarded.StatusCode != 404 {
			t.Errorf("metrics through a proxy: %d", forwarded.StatusCode)
		}
	})
}

// TestEventsAcrossInstances: two servers on one PostgreSQL database; an
// event published on one reaches a tab open on the other.
func TestEventsAcrossInstances(t *testing.T) {
	t.Parallel()
	db := coretest.Postgres(t)
	// Instances of one installation share its key (it opens the sealed
	// authenticator keys).
	key := strings.Repeat("ab", 32)
	one := coretest.NewApp(t, db, coretest.Options{Config: func(c *config.Config) { c.Security.SecretKey = key }})
	two := coretest.NewApp(t, db, coretest.Options{NoDemo: true, Config: func(c *config.Config) { c.Security.SecretKey = key }})
	ctx := context.Background()
	coach := two.Client(t)
	coach.SignIn("coach@harbour.example")
	me, _ := one.Identity().ByEmail(ctx, "coach@harbour.example")
	stream := coach.Stream("/events")
	two.WaitStreams(t, 1)
	if err := one.Publish(ctx, realtime.Event{OrganisationID: orgOf(t, one, me.ID), Topic: "user:" + strconv.FormatInt(me.ID, 10), Name: "message", Data: "from the other instance"}); err != nil {
		t.Fatal(err)
	}
	if e, ok := stream.Next(10 * time.Second); !ok || e.Data != "from the other instance" {
		t.Fatalf("across instances: %+v %v", e, ok)
	}
}

func orgOf(t testing.TB, app *coretest.App, userID int64) int64 {
	t.Helper()
	var org int64
	if err := app.DB().NewSelect().Table("members").Column("organisation_id").Where("user_id = ?", userID).Limit(1).Scan(context.Background(), &org); err != nil {
		t.Fatal(err)
	}
	return org
}
