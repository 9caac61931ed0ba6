package coretest

import (
	"bufio"
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Event is one server-sent event as a tab receives it.
type Event struct {
	ID, Name, Data string
}

// EventStream is an open /events stream of a signed-in client.
type EventStream struct {
	Status int
	Header http.Header
	// Token and After are what the stream's first event said: the token
	// that tunes it, and the id it started after.
	Token  string
	After  int64
	events chan Event
	cancel context.CancelFunc
}

// Stream opens the client's event stream at path (such as "/events"), with
// optional header pairs (Last-Event-ID), and reads it until the test ends.
func (c *Client) Stream(path string, headers ...string) *EventStream {
	c.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := c.http.Do(req)
	if err != nil {
		cancel()
		c.t.Fatal(err)
	}
	s := &EventStream{Status: res.StatusCode, Header: res.Header, events: make(chan Event, 1024), cancel: cancel}
	c.t.Cleanup(s.Close)
	go func() {
		defer res.Body.Close()
		defer close(s.events)
		r := bufio.NewReader(res.Body)
		var e Event
		var data []string
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimRight(line, "\r\n")
			switch {
			case line == "":
				if e.Name != "" || len(data) > 0 {
					e.Data = strings.Join(data, "\n")
					s.events <- e
				}
				e, data = Event{}, nil
			case strings.HasPrefix(line, "id: "):
				e.ID = line[4:]
			case strings.HasPrefix(line, "event: "):
				e.Name = line[7:]
			case strings.HasPrefix(line, "data: "):
				data = append(data, line[6:])
			}
		}
	}()
	if s.Status == http.StatusOK {
		hello, ok := s.Next(5 * time.Second)
		token, after, _ := strings.Cut(hello.Data, " ")
		if !ok || hello.Name != "stream" || token == "" {
			c.t.Fatalf("the stream did not begin with its token: %+v", hello)
		}
		s.Token = token
		s.After, _ = strconv.ParseInt(after, 10, 64)
	}
	return s
}

// Next is the next event, or ok false when none comes within wait (or the
// stream ended).
func (s *EventStream) Next(wait time.Duration) (Event, bool) {
	select {
	case e, ok := <-s.events:
		return e, ok
	case <-time.After(wait):
		return Event{}, false
	}
}

// Ended tells whether the server ends the stream within wait (the events
// before the end are passed over).
func (s *EventStream) Ended(wait time.Duration) bool {
	deadline := time.After(wait)
	for {
		select {
		case _, ok := <-s.events:
			if !ok {
				return true
			}
		case <-deadline:
			return false
		}
	}
}

// Close ends the stream, as a tab that goes away.
func (s *EventStream) Close() { s.cancel() }

// WaitStreams waits until the app has at least n event streams open: a tab's
// request may still be on its way when a test publishes.
func (a *App) WaitStreams(t testing.TB, n int64) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); a.Realtime().Stats().Open < n; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("fewer than %d event streams open", n)
		}
	}
}
