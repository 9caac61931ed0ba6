package web

import (
	"bufio"
	"crypto/subtle"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/realtime"
)

// The event stream: one per browser tab, opened by the layout (htmx's SSE
// extension). It always carries the person's own topic (user:<id>) in their
// organisation; a page may add topics it is entitled to show (a dossier, a
// room) with LiveTopics, signed so that a tab cannot add others.

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

// streamURL is the address the layout's stream connects to: the page's
// topics, signed for the person and organisation.
func (s *Server) streamURL(c fiber.Ctx, v *Viewer) string {
	topics, _ := c.Locals(localLive).([]string)
	if len(topics) == 0 || s.box == nil {
		return "/events"
	}
	list := strings.Join(topics, ",")
	return "/events?" + url.Values{"topics": {list}, "sig": {s.topicSignature(v, list)}}.Encode()
}

func (s *Server) topicSignature(v *Viewer, topics string) string {
	return s.box.Digest("live|" + strconv.FormatInt(v.User.ID, 10) + "|" + strconv.FormatInt(v.Org.ID, 10) + "|" + topics)
}

// events serves the stream: the kept events after Last-Event-ID first (a
// reconnecting tab misses nothing), then each event as it comes, and a ping
// now and then. It ends when the tab goes, the hub drops it for being slow
// (the tab reconnects and catches up), or the server stops.
func (s *Server) events(c fiber.Ctx) error {
	v := CurrentViewer(c)
	if s.hub == nil || v == nil || v.Org == nil {
		return fiber.ErrNotFound
	}
	topics := []string{"user:" + strconv.FormatInt(v.User.ID, 10)}
	if list := c.Query("topics"); list != "" {
		if subtle.ConstantTimeCompare([]byte(c.Query("sig")), []byte(s.topicSignature(v, list))) != 1 {
			return fiber.ErrForbidden
		}
		for _, t := range strings.Split(list, ",") {
			if realtime.ValidTopic(t) {
				topics = append(topics, t)
			}
		}
	}
	last, _ := strconv.ParseInt(c.Get("Last-Event-ID"), 10, 64)
	if last == 0 {
		last, _ = strconv.ParseInt(c.Query("last"), 10, 64)
	}
	stream := s.hub.Subscribe(v.Org.ID, v.User.ID, topics, last)
	c.Set(fiber.HeaderContentType, "text/event-stream; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set("X-Accel-Buffering", "no")
	conn := c.RequestCtx().Conn()
	stopping := s.stopping
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
		fmt.Fprint(w, "retry: 2000\n\n")
		if !flush() {
			return
		}
		for {
			select {
			case e, ok := <-stream.C:
				if !ok {
					return // dropped for being slow: the tab comes back
				}
				writeEvent(w, e)
				if !flush() {
					return
				}
				s.hub.Delivered(e)
			case <-ping.C:
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

// writeEvent writes one event in the SSE format: its id, its name, and its
// data one line per "data:" field.
func writeEvent(w *bufio.Writer, e realtime.Event) {
	fmt.Fprintf(w, "id: %d\nevent: %s\n", e.ID, e.Name)
	for _, line := range strings.Split(strings.ReplaceAll(e.Data, "\r\n", "\n"), "\n") {
		fmt.Fprintf(w, "data: %s\n", line)
	}
	w.WriteString("\n")
}

// metrics answers Prometheus' scrape of the event streams: only to a
// scraper on the same machine (a reverse proxy keeps it from the world).
func (s *Server) metrics(c fiber.Ctx) error {
	if !isLoopback(c.RequestCtx().RemoteIP()) || c.Get(fiber.HeaderXForwardedFor) != "" || s.hub == nil {
		return fiber.ErrNotFound
	}
	c.Set(fiber.HeaderContentType, "text/plain; version=0.0.4; charset=utf-8")
	var b strings.Builder
	s.hub.WritePrometheus(&b)
	return c.SendString(b.String())
}

func isLoopback(ip net.IP) bool { return ip != nil && ip.IsLoopback() }

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
