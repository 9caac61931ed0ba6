package realtime

import "strconv"

// Tuning: a tab keeps one stream while the person moves between pages
// (boosted navigation swaps the main area, not the page), so it tells the
// hub, by the stream's token, which topics the page it shows now listens
// to and whether the person is away from it. The request may reach any
// instance; the publisher brings the tuning to the one holding the
// stream.

// MaxTopics bounds the topics one page listens to.
const MaxTopics = 32

// Tune is what a tab asks of its stream.
type Tune struct {
	OrganisationID int64    `json:"o"`
	UserID         int64    `json:"u"`
	Stream         string   `json:"s"`
	Topics         []string `json:"t"` // besides the person's own
	From           int64    `json:"f"` // the page holds every event up to this one (below 0: replay none)
	Away           bool     `json:"a"`
	// Gone says the tab closed: the stream ends now rather than at its
	// next ping, and the person's presence follows at once.
	Gone bool `json:"g,omitempty"`
}

// Tune applies a tuning to the stream it names, when the stream is here and
// belongs to the person asking: it listens to the person's own topic and
// the ones given (the kept events after From on those it did not listen to
// yet are sent first), and is away or not.
func (h *Hub) Tune(t Tune) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.tokens[t.Stream]
	if s == nil || s.OrganisationID != t.OrganisationID || s.UserID != t.UserID {
		return
	}
	if t.Gone {
		h.remove(s)
		return
	}
	want := map[string]bool{"user:" + strconv.FormatInt(s.UserID, 10): true}
	for _, topic := range t.Topics {
		if ValidTopic(topic) && len(want) <= MaxTopics {
			want[topic] = true
		}
	}
	added := map[string]bool{}
	for topic := range want {
		if !s.topics[topic] {
			h.listen(s, topic)
			added[topic] = true
		}
	}
	for topic := range s.topics {
		if !want[topic] {
			h.unlisten(s, topic)
		}
	}
	h.replay(s, added, t.From)
	h.setAway(s, t.Away)
}
