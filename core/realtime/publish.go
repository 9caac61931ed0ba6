package realtime

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"
)

// Publisher numbers an event and brings it to the hub of every instance,
// brings a tab's tuning to the instance holding its stream, and knows who
// has a tab open on any of them.
type Publisher interface {
	Publish(ctx context.Context, e Event) error
	Tune(ctx context.Context, t Tune) error
	// Presence leaves out the people who are offline.
	Presence(ctx context.Context, org int64, users []int64) (map[int64]State, error)
}

// Check refuses an event the hub does not carry.
func Check(e Event) error {
	switch {
	case e.OrganisationID <= 0:
		return fmt.Errorf("realtime: an event belongs to an organisation")
	case !ValidTopic(e.Topic):
		return fmt.Errorf("realtime: %q is not a topic (user:<id>, dossier:<id>, room:<name>)", e.Topic)
	case !ValidName(e.Name):
		return fmt.Errorf("realtime: %q is not an event name (lower case, digits, . _ -)", e.Name)
	case len(e.Data) > MaxData:
		return fmt.Errorf("realtime: an event carries at most %d bytes", MaxData)
	}
	return nil
}

// Local is the publisher of one process: events go straight to its hub.
type Local struct {
	hub  *Hub
	next atomic.Int64
}

// NewLocal publishes to hub.
func NewLocal(hub *Hub) *Local { return &Local{hub: hub} }

// Presence is who has a stream open in this process.
func (l *Local) Presence(_ context.Context, org int64, users []int64) (map[int64]State, error) {
	return l.hub.Presence(org, users), nil
}

// Tune tunes a stream of this process.
func (l *Local) Tune(_ context.Context, t Tune) error {
	l.hub.Tune(t)
	return nil
}

// Publish numbers the event and delivers it.
func (l *Local) Publish(_ context.Context, e Event) error {
	if err := Check(e); err != nil {
		return err
	}
	e.ID, e.At = l.next.Add(1), time.Now()
	l.hub.Deliver(e)
	return nil
}
