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
	"sync"
	"sync/atomic"
	"time"
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
	// C carries the stream's events; it is closed when the stream is
	// dropped (too slow) or the hub stops.
	C       chan Event
	topics  map[string]bool
	dropped atomic.Bool
}

// Dropped tells whether the hub gave up on the stream for being slow.
func (s *Stream) Dropped() bool { return s.dropped.Load() }

// Hub fans events out to streams.
type Hub struct {
	mu      sync.RWMutex
	streams map[string]map[*Stream]bool // org|topic → streams
	people  map[[2]int64]int            // (org, user) → open streams
	recent  []Event                     // ring of the last kept events, by id
	// Metrics.
	open      atomic.Int64
	delivered atomic.Int64
	slow      atomic.Int64
	latency   *Histogram
}

// NewHub returns an empty hub.
func NewHub() *Hub {
	return &Hub{streams: map[string]map[*Stream]bool{}, people: map[[2]int64]int{}, latency: NewHistogram()}
}

func key(org int64, topic string) string { return strconv.FormatInt(org, 10) + "|" + topic }

// Subscribe opens a stream for a person in an organisation, listening to
// the topics given, and first sends it the kept events after lastID
// (0: none) that it would have received.
func (h *Hub) Subscribe(org, user int64, topics []string, lastID int64) *Stream {
	s := &Stream{OrganisationID: org, UserID: user, C: make(chan Event, buffered), topics: map[string]bool{}}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, t := range topics {
		s.topics[t] = true
		k := key(org, t)
		if h.streams[k] == nil {
			h.streams[k] = map[*Stream]bool{}
		}
		h.streams[k][s] = true
	}
	h.open.Add(1)
	h.people[[2]int64{org, user}]++
	if lastID > 0 {
		for _, e := range h.recent {
			if e.ID > lastID && e.OrganisationID == org && s.topics[e.Topic] {
				select {
				case s.C <- e:
				default: // more missed than a stream holds: it starts from now
				}
			}
		}
	}
	return s
}

// Unsubscribe closes a stream the tab left.
func (h *Hub) Unsubscribe(s *Stream) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.remove(s)
}

// remove takes a stream out of every topic; h.mu is held.
func (h *Hub) remove(s *Stream) {
	found := false
	for t := range s.topics {
		k := key(s.OrganisationID, t)
		if h.streams[k][s] {
			found = true
			delete(h.streams[k], s)
			if len(h.streams[k]) == 0 {
				delete(h.streams, k)
			}
		}
	}
	if found {
		h.open.Add(-1)
		who := [2]int64{s.OrganisationID, s.UserID}
		if h.people[who]--; h.people[who] <= 0 {
			delete(h.people, who)
		}
		close(s.C)
	}
}

// Deliver hands an event, numbered already, to the streams listening to
// its topic and keeps it for replay. A stream whose buffer is full is
// dropped at once.
func (h *Hub) Deliver(e Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.recent = append(h.recent, e)
	if len(h.recent) > kept {
		h.recent = h.recent[len(h.recent)-kept:]
	}
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

// Online lists which of the people have a stream open in the
// organisation, on this instance.
func (h *Hub) Online(org int64, users []int64) []int64 {
	h.mu.RLock()
	defer h.mu.RUnlock()
	var out []int64
	for _, u := range users {
		if h.people[[2]int64{org, u}] > 0 {
			out = append(out, u)
		}
	}
	return out
}

// People lists the (organisation, person) pairs with a stream open here.
func (h *Hub) People() [][2]int64 {
	h.mu.RLock()
	defer h.mu.RUnlock()
	out := make([][2]int64, 0, len(h.people))
	for who := range h.people {
		out = append(out, who)
	}
	return out
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
