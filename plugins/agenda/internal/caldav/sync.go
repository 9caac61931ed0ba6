package caldav

import (
	"bytes"
	"encoding/xml"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/emersion/go-ical"
)

// ErrUnknownToken is a sync token the calendar never gave.
var ErrUnknownToken = errors.New("caldav: unknown sync token")

// tokenPrefix makes a calendar's change count a URI, as RFC 6578 asks.
const tokenPrefix = "urn:atrium:sync:"

// Position is where a sync stands: which calendar (Calendar: the store's
// own number for it; a person's address may come to serve another
// calendar, whose changes are counted apart), the calendar's change count
// it has seen (Since; 0 for none) and, while a first sync is paged, the
// name of the last object it was sent of the calendar's listing (After).
type Position struct {
	Calendar int64
	Since    int64
	After    string
}

// ctag is the calendar's tag for apps that poll it: which calendar and its
// change count.
func ctag(p Position) string {
	return strconv.FormatInt(p.Calendar, 10) + "-" + strconv.FormatInt(p.Since, 10)
}

// Page is what a sync is sent: the objects changed and the paths removed
// since its position, the position to send next time, and whether more
// remain (a client's DAV:limit cut it short).
type Page struct {
	Next      Position
	Changed   []Object
	Removed   []string
	Truncated bool
}

func syncToken(p Position) string {
	t := tokenPrefix + ctag(p)
	if p.After != "" {
		t += "." + url.PathEscape(p.After)
	}
	return t
}

// parseToken reads a sync token; "" is the first sync.
func parseToken(s string) (Position, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Position{}, true
	}
	rest, ok := strings.CutPrefix(s, tokenPrefix)
	if !ok {
		return Position{}, false
	}
	count, after, paged := strings.Cut(rest, ".")
	calendar, count, ok := strings.Cut(count, "-")
	c, err := strconv.ParseInt(calendar, 10, 64)
	if !ok || err != nil || c < 0 || calendar != strconv.FormatInt(c, 10) {
		return Position{}, false
	}
	n, err := strconv.ParseInt(count, 10, 64)
	if err != nil || n < 0 || count != strconv.FormatInt(n, 10) {
		return Position{}, false
	}
	p := Position{Calendar: c, Since: n}
	if paged {
		if p.After, err = url.PathUnescape(after); err != nil || p.After == "" || syncToken(p) != s {
			return Position{}, false
		}
	}
	return p, true
}

// syncRequest is a sync-collection REPORT (RFC 6578).
type syncRequest struct {
	XMLName xml.Name   `xml:"DAV: sync-collection"`
	Token   string     `xml:"DAV: sync-token"`
	Level   string     `xml:"DAV: sync-level"`
	Prop    *requested `xml:"DAV: prop"`
	Limit   *struct {
		NResults int `xml:"DAV: nresults"`
	} `xml:"DAV: limit"`
}

// reportName is the name of a REPORT body's root element: which report
// it asks for.
func reportName(body []byte) xml.Name {
	d := xml.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := d.Token()
		if err != nil {
			return xml.Name{}
		}
		if start, ok := tok.(xml.StartElement); ok {
			return start.Name
		}
	}
}

// asksData tells whether a report asks for the objects' calendar data.
func asksData(asked []xml.Name) bool {
	for _, n := range asked {
		if n.Space == nsCalDAV && n.Local == "calendar-data" {
			return true
		}
	}
	return false
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
	at, ok := parseToken(req.Token)
	if !ok {
		davError(w, http.StatusForbidden, "valid-sync-token", "this sync token is not one this calendar gave; sync again without one")
		return
	}
	ctx := r.Context()
	if _, err := h.store.GetCalendar(ctx, r.URL.Path); err != nil {
		serveError(w, err)
		return
	}
	limit := 0
	if req.Limit != nil {
		if limit = req.Limit.NResults; limit < 1 {
			davError(w, http.StatusBadRequest, "", "DAV:limit asks for at least one result")
			return
		}
	}
	asked := req.Prop.names()
	data := asksData(asked)
	want := Want{Data: data, ModTimes: len(asked) == 0 || slices.Contains(asked, getLastModified)}
	var page Page
	var answers []response
	for {
		var err error
		page, err = h.store.Changes(ctx, r.URL.Path, at, limit, want)
		if errors.Is(err, ErrUnknownToken) {
			davError(w, http.StatusForbidden, "valid-sync-token", "this sync token is not one this calendar gave; sync again without one")
			return
		}
		if err != nil {
			serveError(w, err)
			return
		}
		answers = answers[:0]
		var budget dataBudget
		fits := true
		for _, o := range page.Changed {
			resp := objectAnswer(o, asked, len(asked) == 0, data)
			fits = budget.spend(resp) && fits
			answers = append(answers, resp)
		}
		// The store pages by the data as kept; escaped, text that is
		// mostly markup characters grows up to fivefold: ask for fewer.
		if fits || len(page.Changed) <= 1 {
			break
		}
		limit = len(page.Changed) / 2
	}
	ms := multistatus{SyncToken: syncToken(page.Next), Responses: answers}
	for _, p := range page.Removed {
		ms.Responses = append(ms.Responses, response{Href: p, Status: statusLine(http.StatusNotFound)})
	}
	// Cut short at the client's limit (RFC 6578 §3.6): the calendar itself
	// answers 507, and the token sent continues where this page ended.
	if page.Truncated {
		ms.Responses = append(ms.Responses, response{Href: r.URL.Path, Status: statusLine(http.StatusInsufficientStorage),
			Error: &davErrorBody{Limit: &struct{}{}}})
	}
	writeMultistatus(w, ms)
}

// encodeCalendar writes a calendar as iCalendar text.
func encodeCalendar(cal *ical.Calendar) (string, error) {
	var buf bytes.Buffer
	err := ical.NewEncoder(&buf).Encode(cal)
	return buf.String(), err
}
