package caldav

import (
	"bytes"
	"encoding/xml"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/emersion/go-ical"
)

// ErrUnknownToken is a sync token the calendar never gave.
var ErrUnknownToken = errors.New("caldav: unknown sync token")

// tokenPrefix makes a calendar's change count a URI, as RFC 6578 asks.
const tokenPrefix = "urn:atrium:sync:"

func syncToken(n int64) string { return tokenPrefix + strconv.FormatInt(n, 10) }

// parseToken reads a sync token; "" is the first sync (0).
func parseToken(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, true
	}
	n, err := strconv.ParseInt(strings.TrimPrefix(s, tokenPrefix), 10, 64)
	return n, err == nil && strings.HasPrefix(s, tokenPrefix) && n >= 0
}

// syncRequest is a sync-collection REPORT (RFC 6578).
type syncRequest struct {
	XMLName xml.Name   `xml:"DAV: sync-collection"`
	Token   string     `xml:"DAV: sync-token"`
	Level   string     `xml:"DAV: sync-level"`
	Prop    *requested `xml:"DAV: prop"`
}

// isSyncCollection tells whether a REPORT body is a sync-collection.
func isSyncCollection(body []byte) bool {
	d := xml.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := d.Token()
		if err != nil {
			return false
		}
		if start, ok := tok.(xml.StartElement); ok {
			return start.Name.Space == nsDAV && start.Name.Local == "sync-collection"
		}
	}
}

// sync answers a sync-collection report: the objects changed since the
// client's token with the properties it asks for, the ones removed as 404,
// and the token to send next time.
func (h *Handler) sync(w http.ResponseWriter, r *http.Request, body []byte) {
	var req syncRequest
	if err := decode(body, &req); err != nil {
		davError(w, http.StatusBadRequest, "", "the sync-collection report is not XML this server reads: "+err.Error())
		return
	}
	if h.kind(r.URL.Path) != kindCalendar {
		davError(w, http.StatusForbidden, "", "sync-collection is answered on a calendar")
		return
	}
	if lvl := strings.TrimSpace(req.Level); lvl != "1" && lvl != "" {
		davError(w, http.StatusForbidden, "number-of-matches-within-limits", "only sync-level 1: a calendar holds no collections")
		return
	}
	since, ok := parseToken(req.Token)
	if !ok {
		davError(w, http.StatusForbidden, "valid-sync-token", "this sync token is not one this calendar gave; sync again without one")
		return
	}
	ctx := r.Context()
	if _, err := h.store.GetCalendar(ctx, r.URL.Path); err != nil {
		serveError(w, err)
		return
	}
	token, changed, removed, err := h.store.Changes(ctx, r.URL.Path, since)
	if errors.Is(err, ErrUnknownToken) {
		davError(w, http.StatusForbidden, "valid-sync-token", "this sync token is not one this calendar gave; sync again without one")
		return
	}
	if err != nil {
		serveError(w, err)
		return
	}
	asked := req.Prop.names()
	data := false
	for _, n := range asked {
		data = data || (n.Space == nsCalDAV && n.Local == "calendar-data")
	}
	ms := multistatus{SyncToken: syncToken(token)}
	for _, o := range changed {
		ms.Responses = append(ms.Responses, answer(o.Path, objectProps(o, data), asked, len(asked) == 0))
	}
	for _, p := range removed {
		ms.Responses = append(ms.Responses, response{Href: p, Status: statusLine(http.StatusNotFound)})
	}
	writeMultistatus(w, ms)
}

// encodeCalendar writes a calendar as iCalendar text.
func encodeCalendar(cal *ical.Calendar) (string, error) {
	var buf bytes.Buffer
	err := ical.NewEncoder(&buf).Encode(cal)
	return buf.String(), err
}
