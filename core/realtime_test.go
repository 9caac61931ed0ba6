package core_test

import (
	"context"
	"net/url"
	"regexp"
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
		org := app.OrgOf(t, me.ID)
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
		metrics := coretest.NewClient(t, app.MetricsURL).Get("/metrics")
		if metrics.StatusCode != 200 || !strings.Contains(metrics.Body, "atrium_realtime_streams ") || !strings.Contains(metrics.Body, "atrium_realtime_fanout_seconds_count") ||
			!strings.Contains(metrics.Body, `atrium_realtime_people{state="online"} 1`) {
			t.Errorf("metrics: %d %s", metrics.StatusCode, metrics.Body)
		}
	})
}

// TestTuneAStream: a tab tunes its stream to the page it shows after a
// boosted navigation (signed topics, the missed events since the page
// was rendered) and says when the person is away; a forged list is
// refused, and another person cannot tune someone's stream.
func TestTuneAStream(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		ctx := context.Background()
		coach, kim := app.Client(t), app.Client(t)
		coach.SignIn("coach@harbour.example")
		kim.SignIn("coachee@harbour.example")
		me, _ := app.Identity().ByEmail(ctx, "coach@harbour.example")
		org := app.OrgOf(t, me.ID)
		sign := func(topics string) string {
			return app.Secrets().Digest("live|" + strconv.FormatInt(me.ID, 10) + "|" + strconv.FormatInt(org, 10) + "|" + topics)
		}
		publish := func(topic, name string) {
			t.Helper()
			if err := app.Publish(ctx, realtime.Event{OrganisationID: org, Topic: topic, Name: name}); err != nil {
				t.Fatal(err)
			}
		}
		// Every page says the newest event it holds, and its stream starts
		// there.
		page := coach.Get("/")
		from := page.Attr("#main", "data-live-from")
		if from == "" || !strings.Contains(page.Attr("body", "sse-connect"), "last="+from) {
			t.Fatalf("the page's stream: %q, from %q", page.Attr("body", "sse-connect"), from)
		}
		stream := coach.Stream("/events?last=" + from)
		if stream.After != eventID(t, from) {
			t.Errorf("the stream started after %d, the page holds %s", stream.After, from)
		}
		app.WaitStreams(t, 1)
		publish("room:test:a", "before") // the new page was rendered before this one
		tune := func(c *coretest.Client, form url.Values) int {
			t.Helper()
			return c.PostForm("/events/tune", form).StatusCode
		}
		tooMany := strings.TrimSuffix(strings.Repeat("room:test:a,", realtime.MaxTopics+1), ",")
		for name, form := range map[string]url.Values{
			"a forged list":        {"stream": {stream.Token}, "topics": {"room:test:a"}, "sig": {"forged"}},
			"no stream":            {"topics": {"room:test:a"}, "sig": {sign("room:test:a")}},
			"an overlong stream":   {"stream": {strings.Repeat("x", 65)}},
			"too many topics":      {"stream": {stream.Token}, "topics": {tooMany}, "sig": {sign(tooMany)}},
			"someone else's topic": {"stream": {stream.Token}, "topics": {"user:1"}, "sig": {sign("user:2")}},
		} {
			if code := tune(coach, form); code != 400 {
				t.Errorf("%s: %d", name, code)
			}
		}
		// Nonsense where a number belongs is no number: nothing replayed.
		if code := tune(coach, url.Values{"stream": {stream.Token}, "from": {"-7x"}}); code != 204 {
			t.Errorf("a bad from: %d", code)
		}
		if code := tune(coach, url.Values{"stream": {stream.Token}, "topics": {"room:test:a"}, "sig": {sign("room:test:a")}, "from": {from}}); code != 204 {
			t.Fatalf("tuning: %d", code)
		}
		if e, ok := stream.Next(5 * time.Second); !ok || e.Name != "before" {
			t.Fatalf("the event the page missed: %+v %v", e, ok)
		}
		publish("room:test:a", "after")
		if e, ok := stream.Next(5 * time.Second); !ok || e.Name != "after" {
			t.Fatalf("the page's topic: %+v %v", e, ok)
		}
		// Kim holds the coach's token but it is not her stream.
		if code := tune(kim, url.Values{"stream": {stream.Token}, "away": {"1"}}); code != 204 {
			t.Errorf("Kim's tuning: %d", code)
		}
		presence := func() realtime.State { return app.Realtime().Presence(org, []int64{me.ID})[me.ID] }
		publish("room:test:a", "still")
		if e, ok := stream.Next(5 * time.Second); !ok || e.Name != "still" || presence() != realtime.Here {
			t.Fatalf("Kim tuned the coach's stream: %+v %v %v", e, ok, presence())
		}
		if code := tune(coach, url.Values{"stream": {stream.Token}, "away": {"1"}}); code != 204 {
			t.Fatalf("away: %d", code)
		}
		for deadline := time.Now().Add(5 * time.Second); presence() != realtime.Away; time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("the coach is %v, not away", presence())
			}
		}
		publish("room:test:a", "gone")
		publish("user:"+strconv.FormatInt(me.ID, 10), "mine")
		if e, ok := stream.Next(5 * time.Second); !ok || e.Name != "mine" {
			t.Errorf("after leaving the page: %+v %v", e, ok)
		}
		visitor := app.Client(t)
		visitor.Get("/")
		if code := tune(visitor, url.Values{"stream": {stream.Token}}); code == 204 {
			t.Errorf("tuning without signing in: %d", code)
		}
	})
}

// TestReplayAfterAnInstanceStarts: a tab that comes back to an instance
// that started after it left (a restart, or another instance) catches up
// on what was published meanwhile; the events are rows in PostgreSQL.
func TestReplayAfterAnInstanceStarts(t *testing.T) {
	t.Parallel()
	db := coretest.Postgres(t)
	key := strings.Repeat("cd", 32)
	one := coretest.NewApp(t, db, coretest.Options{Config: func(c *config.Config) { c.Security.SecretKey = key }})
	ctx := context.Background()
	me, _ := one.Identity().ByEmail(ctx, "coach@harbour.example")
	org := one.OrgOf(t, me.ID)
	topic := "user:" + strconv.FormatInt(me.ID, 10)
	coach := one.Client(t)
	coach.SignIn("coach@harbour.example")
	stream := coach.Stream("/events")
	one.WaitStreams(t, 1)
	if err := one.Publish(ctx, realtime.Event{OrganisationID: org, Topic: topic, Name: "seen"}); err != nil {
		t.Fatal(err)
	}
	seen, ok := stream.Next(10 * time.Second)
	if !ok || seen.Name != "seen" {
		t.Fatalf("the first event: %+v %v", seen, ok)
	}
	stream.Close()
	if err := one.Publish(ctx, realtime.Event{OrganisationID: org, Topic: topic, Name: "missed"}); err != nil {
		t.Fatal(err)
	}
	two := coretest.NewApp(t, db, coretest.Options{NoDemo: true, Config: func(c *config.Config) { c.Security.SecretKey = key }})
	back := coach.On(two)
	for deadline := time.Now().Add(10 * time.Second); ; {
		s := back.Stream("/events", "Last-Event-ID", seen.ID)
		if e, ok := s.Next(500 * time.Millisecond); ok && e.Name == "missed" {
			break
		}
		s.Close()
		if time.Now().After(deadline) {
			t.Fatal("the new instance did not replay what the tab missed")
		}
	}
}

func eventID(t *testing.T, s string) int64 {
	t.Helper()
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return id
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
	if err := one.Publish(ctx, realtime.Event{OrganisationID: one.OrgOf(t, me.ID), Topic: "user:" + strconv.FormatInt(me.ID, 10), Name: "message", Data: "from the other instance"}); err != nil {
		t.Fatal(err)
	}
	if e, ok := stream.Next(10 * time.Second); !ok || e.Data != "from the other instance" {
		t.Fatalf("across instances: %+v %v", e, ok)
	}
	// The tab's tuning reaches the first instance (no sticky sessions);
	// the second holds the stream and applies it.
	elsewhere := coach.On(one)
	if code := elsewhere.PostForm("/events/tune", url.Values{"stream": {stream.Token}, "away": {"1"}}).StatusCode; code != 204 {
		t.Fatalf("tuning on the first: %d", code)
	}
	org := one.OrgOf(t, me.ID)
	for deadline := time.Now().Add(10 * time.Second); two.Realtime().Presence(org, []int64{me.ID})[me.ID] != realtime.Away; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the tuning did not reach the instance holding the stream")
		}
	}
}

// TestStreamEndsWithItsSession is the leak the hostile review found: a tab's
// event stream outlived its session, so a stream opened with a stolen
// cookie kept receiving the person's messages after a password reset. Now
// a stream ends when its session does: signed out, recovered, or its
// person deactivated in the stream's organisation.
func TestStreamEndsWithItsSession(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		ctx := context.Background()
		kim, _ := app.Identity().ByEmail(ctx, "coachee@harbour.example")
		open := func() (*coretest.Client, *coretest.EventStream) {
			t.Helper()
			c := app.Client(t)
			c.SignIn(kim.Email)
			s := c.Stream("/events")
			if s.Status != 200 {
				t.Fatalf("stream: %d", s.Status)
			}
			return c, s
		}
		thief, stolen := open()
		other, kept := open()
		// Signing out ends that browser's stream, not the others'.
		if res := thief.PostForm("/signout", url.Values{}); res.StatusCode != 303 {
			t.Fatalf("sign out: %d", res.StatusCode)
		}
		if !stolen.Ended(15 * time.Second) {
			t.Error("the stream outlived signing out")
		}
		if kept.Ended(time.Second) {
			t.Error("another browser's stream ended too")
		}
		// A password reset ends every stream of the account.
		visitor := app.Client(t)
		visitor.Get("/forgot")
		visitor.PostForm("/forgot", url.Values{"email": {kim.Email}})
		mails, _ := app.Mailer().Recent(ctx, 1)
		link := regexp.MustCompile(`/reset/\S+`).FindString(mails[0].Text)
		visitor.Get(link)
		if res := visitor.PostForm(link, url.Values{"password": {"Harbour-Tulip-39"}, "confirm": {"Harbour-Tulip-39"}}); res.StatusCode != 303 {
			t.Fatalf("reset: %d", res.StatusCode)
		}
		if !kept.Ended(15 * time.Second) {
			t.Fatal("the stream outlived a password reset")
		}
		if res := other.Get("/events"); res.StatusCode != 303 {
			t.Errorf("the revoked session opens a stream again: %d", res.StatusCode)
		}
		// Deactivated in the organisation, the person's streams there end.
		hr, _ := app.Identity().ByEmail(ctx, "hr@harbour.example")
		employer := app.Client(t)
		employer.SignIn(hr.Email)
		live := employer.Stream("/events")
		admin := app.Client(t)
		admin.SignIn("admin@harbour.example")
		if res := admin.PostForm("/people/"+strconv.FormatInt(hr.ID, 10)+"/active", url.Values{"on": {"false"}}); res.StatusCode != 303 {
			t.Fatalf("deactivate: %d", res.StatusCode)
		}
		if !live.Ended(15 * time.Second) {
			t.Error("the stream outlived its person's deactivation")
		}
	})
}
