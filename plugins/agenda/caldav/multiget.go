package caldav

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"strings"
)

// maxMultiget bounds the objects one calendar-multiget may ask for: a
// first sync asks for the whole calendar (vdirsyncer sends every href it
// listed in one report).
const maxMultiget = 20_000

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
	paths := make([]string, len(req.Hrefs))
	for i, href := range req.Hrefs {
		href = strings.TrimSpace(href)
		if u, err := url.Parse(href); err == nil {
			href = u.Path // an app may send the whole address
		}
		paths[i] = href
	}
	found, err := h.store.GetCalendarObjects(r.Context(), paths)
	if err != nil {
		serveError(w, err)
		return
	}
	asked := req.Prop.names()
	data := asksData(asked)
	ms := multistatus{Responses: make([]response, 0, len(paths))}
	for i, p := range paths {
		o, ok := found[p]
		if !ok {
			ms.Responses = append(ms.Responses, response{Href: req.Hrefs[i], Status: statusLine(http.StatusNotFound)})
			continue
		}
		ms.Responses = append(ms.Responses, answer(o.Path, objectProps(o, data || req.AllProp != nil), asked, req.AllProp != nil))
	}
	writeMultistatus(w, ms)
}
