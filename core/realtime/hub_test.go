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
	mine := h.Subscribe(1, 7, []string{"user:7", "dossier:3"}, 0)
	sameUserOtherOrg := h.Subscribe(2, 7, []string{"user:7"}, 0)
	other := h.Subscribe(1, 8, []string{"user:8"}, 0)
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
	slow := h.Subscribe(1, 7, []string{"room:chat:1"}, 0)
	fast := h.Subscribe(1, 8, []string{"room:chat:1"}, 0)
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
