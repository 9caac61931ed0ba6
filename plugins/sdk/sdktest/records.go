package sdktest

import (
	"slices"
	"time"

	"github.com/atriumhq/atrium/plugins/sdk"
)

// Notice is a notice the module left a person (Request.Notify).
// Since contract v1.6.
type Notice struct {
	Organisation, To int64
	Message, Link    string
}

// SentMail is a mail the module sent a person (Request.Mail).
// Since contract v1.6.
type SentMail struct {
	Organisation, To int64
	sdk.Mail
}

// Published is a realtime event the module sent to a topic
// (Request.Publish).
// Since contract v1.6.
type Published struct {
	Organisation       int64
	Topic, Event, HTML string
}

// Emitted is an event the module emitted for other plugins (Request.Emit),
// with its full name ("<id>.<name>").
// Since contract v1.6.
type Emitted struct {
	Organisation, By int64
	Name             string
	Payload          []byte
}

// Audited is a line the module wrote in the audit log (Request.Audit),
// with its full action ("<id>.<action>").
// Since contract v1.6.
type Audited struct {
	Organisation, By, Subject int64
	Action, Detail            string
}

// records are what the module sent out, in order.
type records struct {
	notices   []Notice
	mails     []SentMail
	published []Published
	emitted   []Emitted
	audited   []Audited
	counts    map[int64]int
	feeds     map[feedKey]time.Time
	sessions  []Sessions
}

type feedKey struct{ org, person int64 }

func (r *records) init() {
	r.counts, r.feeds = map[int64]int{}, map[feedKey]time.Time{}
}

// record changes the records under the host's lock.
func (h *Host) record(f func(*records)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	f(&h.records)
}

// Notices are the notices the module left, in order.
// Since contract v1.6.
func (h *Host) Notices() []Notice {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.notices)
}

// Mails are the mails the module sent, in order.
// Since contract v1.6.
func (h *Host) Mails() []SentMail {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.mails)
}

// Published are the realtime events the module sent, in order.
// Since contract v1.6.
func (h *Host) Published() []Published {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.published)
}

// Emitted are the events the module emitted, in order.
// Since contract v1.6.
func (h *Host) Emitted() []Emitted {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.emitted)
}

// Audited are the lines the module wrote in the audit log, in order.
// Since contract v1.6.
func (h *Host) Audited() []Audited {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.audited)
}

// Count is what the module last said waits for a person (Request.SetCount).
// Since contract v1.6.
func (h *Host) Count(person int64) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.counts[person]
}
