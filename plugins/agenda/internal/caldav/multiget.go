package caldav

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"strings"
)

// maxMultiget bounds the objects one calendar-multiget may ask for: a
// first sync asks for the whole calendar (vdirsyncer sends every href it
// listed in one report). MaxAnswer bounds the calendar data it is sent,
// below what the host takes from a plugin.
const (
	maxMultiget = 20_000
	MaxAnswer   = 12 << 20
)

// multigetRequest is a calendar-multiget report (RFC 4791 §7.9).
type multigetRequest struct {
	XMLName xml.Name   `xml:"urn:ietf:params:xml:ns:caldav calendar-multiget"`
	Prop    *requested `xml:"DAV: prop"`
	AllProp *struct{}  `xml:"DAV: allprop"`
	Hrefs   []string   `xml:"DAV: href"`
}

// multiget answers a calendar-multiget with one read of the store for all
// its objects (go-webdav reads them one at a time: 1.7 ms each through the
// plugin boundary, so a first sync of 10,000 events ran out of time), in
// the order asked, each one missing as its own 404.
func (h *Handler) multiget(w http.ResponseWriter, r *http.Request, body []byte) {
	var req multigetRequest
	if err := decode(body, &req); err != nil {
		davError(w, http.StatusBadRequest, "", "the calendar-multiget report is not XML this server reads: "+err.Error())
		return
	}
	if len(req.Hrefs) > maxMultiget {
		davError(w, http.StatusForbidden, "number-of-matches-within-limits", "a calendar-multiget asks for at most 20,000 objects; ask in parts")
		return
	}
	if h.kind(r.URL.Path) == kindCalendar {
		if _, err := h.store.GetCalendar(r.Context(), r.URL.Path); err != nil {
			serveError(w, err)
			return
		}
	}
	// Each object once, however often it is asked for (a hostile review
	// asked for one large object 2,000 times and the answer took the
	// plugin's memory).
	paths := make([]string, 0, len(req.Hrefs))
	hrefs := make([]string, 0, len(req.Hrefs))
	asked := map[string]bool{}
	for _, href := range req.Hrefs {
		p := strings.TrimSpace(href)
		if u, err := url.Parse(p); err == nil {
			// An app may send the whole address. Paths are compared as
			// they arrive in a request, escaped: "a%20b.ics" is the name
			// a PUT to it gave the object (the path decoded missed it).
			p = u.EscapedPath()
		}
		if !asked[p] {
			asked[p] = true
			paths, hrefs = append(paths, p), append(hrefs, href)
		}
	}
	found, err := h.store.GetCalendarObjects(r.Context(), paths)
	if err != nil {
		serveError(w, err)
		return
	}
	props := req.Prop.names()
	data := asksData(props) || req.AllProp != nil
	ms := multistatus{Responses: make([]response, 0, len(paths))}
	var budget dataBudget
	for i, p := range paths {
		o, ok := found[p]
		if !ok {
			ms.Responses = append(ms.Responses, response{Href: hrefs[i], Status: statusLine(http.StatusNotFound)})
			continue
		}
		resp := objectAnswer(o, props, req.AllProp != nil, data)
		if !budget.spend(resp) {
			budget.refuse(w, "ask for fewer at a time")
			return
		}
		ms.Responses = append(ms.Responses, resp)
	}
	writeMultistatus(w, ms)
}
