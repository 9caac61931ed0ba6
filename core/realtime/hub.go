// Package realtime carries events from the server to open browser tabs:
// plugins and the core publish an HTML fragment or a named event to a
// topic (user:<id>, dossier:<id>, room:<name>) within an organisation, and
// the hub hands it to every stream that listens there. One process fans
// out in memory; with PostgreSQL the events go through the database
// (LISTEN/NOTIFY), so that instances on one database reach each other's
// users. Each event has an id for the whole installation, and the hub keeps
// the recent ones, so a tab that reconnects with Last-Event-ID misses
// nothing of a short disconnect. A stream that cannot keep up is dropped,
// never waited for: its tab reconnects and catches up from the ids.
package realtime

import (
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/atriumhq/atrium/core/secrets"
)

// Event is one message to a topic of an organisation.
type Event struct {
	ID             int64
	OrganisationID int64
	Topic          string // user:<id>, dossier:<id> or room:<name>
	Name           string // the SSE event name: what the page listens for
	Data           string // an HTML fragment, or a small text
	At             time.Time
}

// topicShape is what a topic may look like.
var topicShape = regexp.MustCompile(`^(user|dossier):[1-9][0-9]{0,18}$|^room:[a-z0-9][a-z0-9:_-]{0,79}$`)

// ValidTopic tells whether a topic is one the hub carries.
func ValidTopic(t string) bool { return topicShape.MatchString(t) }

// nameShape is what an event name may look like: SSE names are one line.
var nameShape = regexp.MustCompile(`^[a-z][a-z0-9_.-]{0,63}$`)

// ValidName tells whether an event name is one the hub carries.
func ValidName(n string) bool { return nameShape.MatchString(n) }

// SessionEvent asks a person's open streams whether the sessions that
// opened them still live; it never reaches a tab. Names starting with
// "atrium." are the core's own: plugins may not publish them.
const SessionEvent = "atrium.session"

// CoreName tells whether an event name is reserved for the core.
func CoreName(n string) bool { return strings.HasPrefix(n, "atrium.") }

// Limits.
const (
	// MaxData bounds one event's data.
	MaxData = 64 << 10
	// buffered events per stream before it counts as slow and is dropped.
	buffered = 256
	// kept is how many recent events the hub keeps for replay.
	kept = 4096
)

// Stream is one browser tab's subscription.
type Stream struct {
	OrganisationID int64
	UserID         int64
	// Token names the stream to its tab alone, which tunes it with it
	// (Tune): the page's topics after a navigation, whether it is away.
	Token string
	// C carries the stream's events; it is closed when the stream is
	// dropped (too slow) or the hub stops.
	C       chan Event
	topics  map[string]bool
	away    bool // h.mu
	dropped atomic.Bool
}

// Dropped tells whether the hub gave up on the stream for being slow.
func (s *Stream) Dropped() bool { return s.dropped.Load() }

// Hub fans events out to streams.
type Hub struct {
	mu      sync.RWMutex
	streams map[string]map[*Stream]bool // org|topic → streams
	tokens  map[string]*Stream          // Stream.Token → stream
	people  map[[2]int64]*tabs          // (org, user) → their open streams
	recent  []Event                     // ring of the last kept events, by id
	// Metrics.
	open      atomic.Int64
	delivered atomic.Int64
	slow      atomic.Int64
	latency   *Histogram
}

// NewHub returns an empty hub.
func NewHub() *Hub {
	return &Hub{streams: map[string]map[*Stream]bool{}, tokens: map[string]*Stream{}, people: map[[2]int64]*tabs{}, latency: NewHistogram()}
}

func key(org int64, topic string) string { return strconv.FormatInt(org, 10) + "|" + topic }

// Subscribe opens a stream for a person in an organisation, listening to
// the topics given, and first sends it the kept events after the id given
// (below 0: none) that it would have received.
func (h *Hub) Subscribe(org, user int64, topics []string, after int64) *Stream {
	s := &Stream{OrganisationID: org, UserID: user, Token: secrets.Token(16), C: make(chan Event, buffered), topics: map[string]bool{}}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, t := range topics {
		h.listen(s, t)
	}
	h.tokens[s.Token] = s
	h.open.Add(1)
	h.arrive(s)
	h.replay(s, s.topics, after)
	return s
}

// listen adds a topic to a stream; h.mu is held.
func (h *Hub) listen(s *Stream, topic string) {
	s.topics[topic] = true
	k := key(s.OrganisationID, topic)
	if h.streams[k] == nil {
		h.streams[k] = map[*Stream]bool{}
	}
	h.streams[k][s] = true
}

// unlisten takes a topic from a stream; h.mu is held.
func (h *Hub) unlisten(s *Stream, topic string) {
	delete(s.topics, topic)
	k := key(s.OrganisationID, topic)
	delete(h.streams[k], s)
	if len(h.streams[k]) == 0 {
		delete(h.streams, k)
	}
}

// replay sends a stream the kept events after an id (below 0: none) on
// the topics given; h.mu is held.
func (h *Hub) replay(s *Stream, topics map[string]bool, after int64) {
	if after < 0 {
		return
	}
	for _, e := range h.recent {
		if e.ID > after && e.OrganisationID == s.OrganisationID && topics[e.Topic] {
			select {
			case s.C <- e:
			default: // more missed than a stream holds: it starts from now
			}
		}
	}
}

// Keep keeps an event published before this hub started, for replay to
// tabs that come back, without handing it to the streams open now.
func (h *Hub) Keep(e Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.keep(e)
}

// keep adds an event to the replay ring; h.mu is held.
func (h *Hub) keep(e Event) {
	h.recent = append(h.recent, e)
	if len(h.recent) > kept {
		h.recent = h.recent[len(h.recent)-kept:]
	}
}

// LastID is the newest event this hub has kept: a page rendered now holds
// everything up to it, and its stream starts after it. (0 before the
// first: every event kept later is newer than the page.)
func (h *Hub) LastID() int64 {
	h.mu.RLock()
	defer h.mu.RUnlock()
	if len(h.recent) == 0 {
		return 0
	}
	return h.recent[len(h.recent)-1].ID
}

// Unsubscribe closes a stream the tab left.
func (h *Hub) Unsubscribe(s *Stream) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.remove(s)
}

// remove takes a stream out of the hub, once; h.mu is held.
func (h *Hub) remove(s *Stream) {
	if h.tokens[s.Token] != s {
		return
	}
	delete(h.tokens, s.Token)
	for t := range s.topics {
		h.unlisten(s, t)
	}
	h.open.Add(-1)
	h.leave(s)
	close(s.C)
}

// Deliver hands an event, numbered already, to the streams listening to
// its topic and keeps it for replay. A stream whose buffer is full is
// dropped at once.
func (h *Hub) Deliver(e Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.keep(e)
	for s := range h.streams[key(e.OrganisationID, e.Topic)] {
		select {
		case s.C <- e:
			h.delivered.Add(1)
		default:
			s.dropped.Store(true)
			h.slow.Add(1)
			h.remove(s)
		}
	}
}

// Delivered records how long an event took from publishing to a stream's
// socket, for the fan-out latency metric.
func (h *Hub) Delivered(e Event) { h.latency.Observe(time.Since(e.At)) }

// Stats are the hub's metrics.
type Stats struct {
	Open, Delivered, Dropped int64
	Latency                  *Histogram
}

// Stats reads the metrics.
func (h *Hub) Stats() Stats {
	return Stats{Open: h.open.Load(), Delivered: h.delivered.Load(), Dropped: h.slow.Load(), Latency: h.latency}
}
