package realtime

// Presence: a person with a tab open is online; they are away when every
// tab they have open says so (hidden, or untouched for a while), and
// offline when they have none.

// State is how present a person is.
type State int8

const (
	Offline State = iota
	Away
	Here
)

// tabs counts a person's open streams, and how many of them are away.
type tabs struct{ open, away int }

func (t *tabs) state() State {
	switch {
	case t == nil || t.open == 0:
		return Offline
	case t.away == t.open:
		return Away
	}
	return Here
}

// arrive counts a new stream; h.mu is held.
func (h *Hub) arrive(s *Stream) {
	who := [2]int64{s.OrganisationID, s.UserID}
	if h.people[who] == nil {
		h.people[who] = &tabs{}
	}
	h.people[who].open++
}

// leave uncounts a stream that went; h.mu is held.
func (h *Hub) leave(s *Stream) {
	who := [2]int64{s.OrganisationID, s.UserID}
	t := h.people[who]
	if t == nil {
		return
	}
	t.open--
	if s.away {
		t.away--
	}
	if t.open <= 0 {
		delete(h.people, who)
	}
}

// setAway marks a stream away or back; h.mu is held.
func (h *Hub) setAway(s *Stream, away bool) {
	if s.away == away {
		return
	}
	s.away = away
	if t := h.people[[2]int64{s.OrganisationID, s.UserID}]; t != nil {
		if away {
			t.away++
		} else {
			t.away--
		}
	}
}

// Presence tells which of the people have a stream open in the
// organisation on this instance, and whether they are away; the offline
// are left out.
func (h *Hub) Presence(org int64, users []int64) map[int64]State {
	h.mu.RLock()
	defer h.mu.RUnlock()
	out := map[int64]State{}
	for _, u := range users {
		if st := h.people[[2]int64{org, u}].state(); st != Offline {
			out[u] = st
		}
	}
	return out
}

// Person is someone with a stream open on this instance.
type Person struct {
	OrganisationID, UserID int64
	Away                   bool
}

// People lists the people with a stream open here.
func (h *Hub) People() []Person {
	h.mu.RLock()
	defer h.mu.RUnlock()
	out := make([]Person, 0, len(h.people))
	for who, t := range h.people {
		out = append(out, Person{OrganisationID: who[0], UserID: who[1], Away: t.state() == Away})
	}
	return out
}
