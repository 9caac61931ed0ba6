package web

import (
	"bufio"
	"context"
	"crypto/subtle"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/identity"
	"github.com/atriumhq/atrium/core/realtime"
)

// The event stream: one per browser tab, opened by the layout (htmx's SSE
// extension). It always carries the person's own topic (user:<id>) in their
// organisation; a page may add topics it is entitled to show (a dossier, a
// room) with LiveTopics, signed so that a tab cannot add others. The tab
// keeps its stream while the person moves between pages (boosted
// navigation swaps the main area only), so it tunes the stream to each new
// page's topics, and says when the person is away from it (POST
// /events/tune).

// pingEvery keeps idle streams (and proxies between) from timing out.
const pingEvery = 20 * time.Second

// localLive holds the topics a page listens to, for the layout.
const localLive = "live"

// LiveTopics adds topics to the stream of the page being rendered; the handler
// has checked that the person may see them.
func LiveTopics(c fiber.Ctx, topics ...string) {
	have, _ := c.Locals(localLive).([]string)
	c.Locals(localLive, append(have, topics...))
}

// Live is what the layout needs for the tab's stream: the address it
// connects to, and on the main area the page's topics, signed, and the
// newest event the page holds (the tab tunes its stream with them after a
// boosted navigation).
type Live struct {
	URL    string
	Topics string
	Sig    string
	From   int64
	// AwayAfter is how long, in milliseconds, a hidden tab waits before
	// saying its person is away.
	AwayAfter int64
}

// live is the stream of the page being rendered, for the person and
// organisation.
func (s *Server) live(c fiber.Ctx, v *Viewer) *Live {
	topics, _ := c.Locals(localLive).([]string)
	l := &Live{Topics: strings.Join(topics, ","), From: s.hub.LastID(), AwayAfter: s.awayAfter.Milliseconds()}
	q := url.Values{"last": {strconv.FormatInt(l.From, 10)}}
	if l.Topics != "" && s.box != nil {
		l.Sig = s.topicSignature(v, l.Topics)
		q.Set("topics", l.Topics)
		q.Set("sig", l.Sig)
	}
	l.URL = "/events?" + q.Encode()
	return l
}

func (s *Server) topicSignature(v *Viewer, topics string) string {
	return s.box.Digest("live|" + strconv.FormatInt(v.User.ID, 10) + "|" + strconv.FormatInt(v.Org.ID, 10) + "|" + topics)
}

// signedTopics checks a page's topics against their signature and keeps
// the ones the hub carries; ok is false for a forged or overlong list.
func (s *Server) signedTopics(v *Viewer, list, sig string) (topics []string, ok bool) {
	if list == "" {
		return nil, true
	}
	if s.box == nil || subtle.ConstantTimeCompare([]byte(sig), []byte(s.topicSignature(v, list))) != 1 {
		return nil, false
	}
	parts := strings.Split(list, ",")
	if len(parts) > realtime.MaxTopics {
		return nil, false
	}
	for _, t := range parts {
		if realtime.ValidTopic(t) {
			topics = append(topics, t)
		}
	}
	return topics, true
}

// eventID reads an event id a tab sends; absent or unreadable is -1.
func eventID(s string) int64 {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id < 0 {
		return -1
	}
	return id
}

// events serves the stream: the kept events after Last-Event-ID (or after
// the page's newest, on the first connect) first, so that the tab misses
// nothing, then each event as it comes, and a ping now and then. The
// first event, "stream", gives the tab the stream's token and the id it
// started after, for tuning. It ends when the tab goes, the hub drops it
// for being slow (the tab reconnects and catches up), or the server stops.
func (s *Server) events(c fiber.Ctx) error {
	v := CurrentViewer(c)
	if s.hub == nil || v == nil || v.Org == nil {
		return fiber.ErrNotFound
	}
	extra, ok := s.signedTopics(v, c.Query("topics"), c.Query("sig"))
	if !ok {
		return fiber.ErrForbidden
	}
	topics := append([]string{"user:" + strconv.FormatInt(v.User.ID, 10)}, extra...)
	after := eventID(c.Get("Last-Event-ID"))
	if after < 0 {
		after = eventID(c.Query("last"))
	}
	stream := s.hub.Subscribe(v.Org.ID, v.User.ID, topics, after)
	c.Set(fiber.HeaderContentType, "text/event-stream; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set("X-Accel-Buffering", "no")
	conn := c.RequestCtx().Conn()
	stopping := s.stopping
	orgID, sess := v.Org.ID, *v.Session
	return c.SendStreamWriter(func(w *bufio.Writer) {
		defer s.hub.Unsubscribe(stream)
		ping := time.NewTicker(pingEvery)
		defer ping.Stop()
		flush := func() bool {
			// Each write gets its own deadline: the server's write timeout
			// is for one response, and this one lasts.
			_ = conn.SetWriteDeadline(time.Now().Add(30 * time.Second))
			return w.Flush() == nil
		}
		// No id: the hello leaves the tab's Last-Event-ID as it was.
		fmt.Fprintf(w, "retry: 2000\n\nevent: stream\ndata: %s %d\n\n", stream.Token, after)
		if !flush() {
			return
		}
		for {
			select {
			case e, ok := <-stream.C:
				if !ok {
					return // dropped for being slow: the tab comes back
				}
				if e.Name == realtime.SessionEvent {
					if !s.streamMayGoOn(sess, orgID, true) {
						return // signed out, recovered or deactivated
					}
					continue
				}
				writeEvent(w, e)
				if !flush() {
					return
				}
				s.hub.Delivered(e)
			case <-ping.C:
				if !s.streamMayGoOn(sess, orgID, false) {
					return // the session timed out
				}
				fmt.Fprint(w, ": ping\n\n")
				if !flush() {
					return
				}
			case <-stopping:
				return
			}
		}
	})
}

// streamMayGoOn tells whether a stream's session still lives; asked by a
// SessionEvent (member too) also whether its person still works in the
// stream's organisation. The tab reconnects when it ends, through the
// guard, which sends a signed-out tab to sign in.
func (s *Server) streamMayGoOn(sess identity.Session, orgID int64, member bool) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	alive, err := s.ids.SessionAlive(ctx, sess.ID, sess.UserID)
	if err != nil || !alive || !member {
		return alive && err == nil
	}
	u, err := s.ids.ByID(ctx, sess.UserID)
	if err != nil {
		return false
	}
	v, err := s.resolve(ctx, u, &sess)
	return err == nil && v.Org != nil && v.Org.ID == orgID
}

// RecheckStreams asks a person's open streams, on every instance, whether
// they may go on: after a change that may take their organisation from
// them (deactivation, no more web access).
func (s *Server) RecheckStreams(ctx context.Context, userID int64) {
	if s.recheck != nil {
		s.recheck(ctx, userID)
	}
}

// tune passes a tab's tuning of its stream on to the instance holding it:
// the topics of the page it shows now (signed when the page was rendered),
// whether the person is away, or that the tab closed. A stream that is not
// the person's is left alone, wherever it is.
func (s *Server) tune(c fiber.Ctx) error {
	v := CurrentViewer(c)
	if s.hub == nil || s.tuner == nil || v == nil || v.Org == nil {
		return fiber.ErrNotFound
	}
	token := c.FormValue("stream")
	topics, ok := s.signedTopics(v, c.FormValue("topics"), c.FormValue("sig"))
	if !ok || token == "" || len(token) > 64 {
		return fiber.ErrBadRequest
	}
	t := realtime.Tune{OrganisationID: v.Org.ID, UserID: v.User.ID, Stream: token, Topics: topics,
		From: eventID(c.FormValue("from")), Away: c.FormValue("away") == "1", Gone: c.FormValue("gone") == "1"}
	if err := s.tuner(c.Context(), t); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// writeEvent writes one event in the SSE format: its id, its name, and its
// data one line per "data:" field.
func writeEvent(w *bufio.Writer, e realtime.Event) {
	fmt.Fprintf(w, "id: %d\nevent: %s\n", e.ID, e.Name)
	for _, line := range strings.Split(strings.ReplaceAll(e.Data, "\r\n", "\n"), "\n") {
		fmt.Fprintf(w, "data: %s\n", line)
	}
	w.WriteString("\n")
}

// navPart answers the navigation alone, for the stream's "nav" event: a
// count in it changed (a notice, a task, a message). The tab says which
// page it shows, for the entry marked current.
func (s *Server) navPart(c fiber.Ctx) error {
	view := s.view(c, Page{})
	if u, err := url.Parse(c.Get("HX-Current-URL")); err == nil && strings.HasPrefix(u.Path, "/") {
		view.Path = u.Path
	}
	body, err := s.views.Execute(Localizer(c), "partials/nav", view)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(body)
}
