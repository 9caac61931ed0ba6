package realtime

import (
	"strings"
	"testing"
	"time"
)

func receive(t *testing.T, s *Stream) Event {
	t.Helper()
	select {
	case e, ok := <-s.C:
		if !ok {
			t.Fatal("the stream was closed")
		}
		return e
	case <-time.After(2 * time.Second):
		t.Fatal("no event")
	}
	return Event{}
}

// TestHubFansOutWithinTheOrganisation: an event reaches the streams of its
// topic in its organisation, and no others.
func TestHubFansOutWithinTheOrganisation(t *testing.T) {
	h := NewHub()
	p := NewLocal(h)
	mine := h.Subscribe(1, 7, []string{"user:7", "dossier:3"}, -1)
	sameUserOtherOrg := h.Subscribe(2, 7, []string{"user:7"}, -1)
	other := h.Subscribe(1, 8, []string{"user:8"}, -1)
	for _, e := range []Event{{OrganisationID: 1, Topic: "user:7", Name: "nav"}, {OrganisationID: 1, Topic: "dossier:3", Name: "note", Data: "<p>a\nb</p>"}} {
		if err := p.Publish(t.Context(), e); err != nil {
			t.Fatal(err)
		}
	}
	if e := receive(t, mine); e.Name != "nav" || e.ID != 1 {
		t.Errorf("first: %+v", e)
	}
	if e := receive(t, mine); e.Name != "note" || e.Data != "<p>a\nb</p>" || e.ID != 2 {
		t.Errorf("second: %+v", e)
	}
	for _, s := range []*Stream{sameUserOtherOrg, other} {
		select {
		case e := <-s.C:
			t.Errorf("an event reached a stream not listening: %+v", e)
		default:
		}
	}
	if st := h.Stats(); st.Open != 3 || st.Delivered != 2 {
		t.Errorf("stats: %+v", st)
	}
	h.Unsubscribe(mine)
	if _, ok := <-mine.C; ok {
		t.Error("a stream left open after unsubscribing")
	}
}

// TestReplayAfterLastEventID: a stream that comes back with the id of the
// last event it saw gets the ones it missed, only its own.
func TestReplayAfterLastEventID(t *testing.T) {
	h := NewHub()
	p := NewLocal(h)
	for i, topic := range []string{"user:7", "user:8", "user:7", "user:7"} {
		if err := p.Publish(t.Context(), Event{OrganisationID: 1, Topic: topic, Name: "n", Data: strings.Repeat("x", i)}); err != nil {
			t.Fatal(err)
		}
	}
	back := h.Subscribe(1, 7, []string{"user:7"}, 1)
	if a, b := receive(t, back), receive(t, back); a.ID != 3 || b.ID != 4 {
		t.Errorf("replayed %d and %d, want 3 and 4", a.ID, b.ID)
	}
	select {
	case e := <-back.C:
		t.Errorf("more replayed than missed: %+v", e)
	default:
	}
}

// TestSlowStreamIsDropped: a stream that does not read is dropped once its
// buffer is full; the others keep getting events.
func TestSlowStreamIsDropped(t *testing.T) {
	h := NewHub()
	p := NewLocal(h)
	slow := h.Subscribe(1, 7, []string{"room:chat:1"}, -1)
	fast := h.Subscribe(1, 8, []string{"room:chat:1"}, -1)
	got := 0
	for range buffered + 10 {
		if err := p.Publish(t.Context(), Event{OrganisationID: 1, Topic: "room:chat:1", Name: "m"}); err != nil {
			t.Fatal(err)
		}
		<-fast.C
		got++
	}
	if !slow.Dropped() || got != buffered+10 {
		t.Errorf("dropped %v, the fast one got %d", slow.Dropped(), got)
	}
	if st := h.Stats(); st.Open != 1 || st.Dropped != 1 {
		t.Errorf("stats: %+v", st)
	}
}

// TestBadEventsAreRefused: a topic, name or size the hub does not carry.
func TestBadEventsAreRefused(t *testing.T) {
	p := NewLocal(NewHub())
	for _, e := range []Event{
		{OrganisationID: 0, Topic: "user:1", Name: "n"},
		{OrganisationID: 1, Topic: "users:1", Name: "n"},
		{OrganisationID: 1, Topic: "user:one", Name: "n"},
		{OrganisationID: 1, Topic: "room:Chat", Name: "n"},
		{OrganisationID: 1, Topic: "user:1", Name: "two\nlines"},
		{OrganisationID: 1, Topic: "user:1", Name: "n", Data: strings.Repeat("x", MaxData+1)},
	} {
		if err := p.Publish(t.Context(), e); err == nil {
			t.Errorf("%+v was taken", e)
		}
	}
}

func quiet(t *testing.T, s *Stream) {
	t.Helper()
	select {
	case e := <-s.C:
		t.Errorf("an event nobody should get: %+v", e)
	default:
	}
}

// TestTuneFollowsThePage: after a navigation the tab's stream listens to
// the new page's topics, gets what the page missed on them since it was
// rendered (and nothing twice on the ones it kept), and stops getting the
// old page's; nobody else can tune it.
func TestTuneFollowsThePage(t *testing.T) {
	h := NewHub()
	p := NewLocal(h)
	s := h.Subscribe(1, 7, []string{"user:7", "room:chat:1"}, -1)
	publish := func(topic string) {
		t.Helper()
		if err := p.Publish(t.Context(), Event{OrganisationID: 1, Topic: topic, Name: "n"}); err != nil {
			t.Fatal(err)
		}
	}
	publish("user:7") // 1
	receive(t, s)
	rendered := h.LastID()
	publish("dossier:3") // 2: the new page was rendered before it
	publish("user:7")    // 3
	receive(t, s)

	h.Tune(Tune{OrganisationID: 1, UserID: 8, Stream: s.Token, Topics: []string{"dossier:4"}, From: 0})
	h.Tune(Tune{OrganisationID: 2, UserID: 7, Stream: s.Token, Topics: []string{"dossier:4"}, From: 0})
	publish("dossier:4")
	quiet(t, s)

	h.Tune(Tune{OrganisationID: 1, UserID: 7, Stream: s.Token, Topics: []string{"dossier:3", "not a topic"}, From: rendered})
	if e := receive(t, s); e.ID != 2 {
		t.Errorf("replayed %+v, want the dossier's event 2", e)
	}
	quiet(t, s)
	publish("room:chat:1")
	publish("dossier:3")
	if e := receive(t, s); e.Topic != "dossier:3" {
		t.Errorf("got %+v after tuning, want only the new page's topics", e)
	}
	publish("user:7")
	if e := receive(t, s); e.Topic != "user:7" {
		t.Errorf("the person's own topic was lost: %+v", e)
	}
	h.Unsubscribe(s)
	h.Tune(Tune{OrganisationID: 1, UserID: 7, Stream: s.Token, Topics: []string{"dossier:3"}})
	if st := h.Stats(); st.Open != 0 {
		t.Errorf("a tuning revived a stream: %+v", st)
	}
}

// TestPresenceIsAwayWhenEveryTabIs: online with one tab in view, away when
// every tab is, offline when none is open.
func TestPresenceIsAwayWhenEveryTabIs(t *testing.T) {
	h := NewHub()
	a := h.Subscribe(1, 7, []string{"user:7"}, -1)
	b := h.Subscribe(1, 7, []string{"user:7"}, -1)
	h.Subscribe(1, 8, []string{"user:8"}, -1)
	state := func() State { return h.Presence(1, []int64{7})[7] }
	away := func(s *Stream, away bool) {
		h.Tune(Tune{OrganisationID: 1, UserID: 7, Stream: s.Token, Away: away})
	}
	if st := state(); st != Here {
		t.Errorf("two tabs open: %v", st)
	}
	away(a, true)
	away(a, true) // said twice, counted once
	if st := state(); st != Here {
		t.Errorf("one tab away, one in view: %v", st)
	}
	away(b, true)
	if st := state(); st != Away {
		t.Errorf("both tabs away: %v", st)
	}
	if p := h.Presence(2, []int64{7}); len(p) != 0 {
		t.Errorf("present in another organisation: %v", p)
	}
	away(a, false)
	h.Unsubscribe(a)
	if st := state(); st != Away {
		t.Errorf("the tab in view closed, the away one left: %v", st)
	}
	h.Tune(Tune{OrganisationID: 1, UserID: 7, Stream: b.Token, Gone: true}) // the tab closed
	if _, ok := <-b.C; ok {
		t.Error("a tab said it went and its stream stayed open")
	}
	if st, ok := h.Presence(1, []int64{7, 8})[7]; ok || st != Offline {
		t.Errorf("no tab open: %v", st)
	}
	h.Unsubscribe(b) // the stream's writer ends after the tab said it went
	if len(h.People()) != 1 {
		t.Errorf("people: %+v", h.People())
	}
}
