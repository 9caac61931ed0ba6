package caldav

import (
	"encoding/xml"
	"net/http"
	"strings"
)

// proppatchRequest is a PROPPATCH body: properties to set and to remove.
type proppatchRequest struct {
	XMLName xml.Name `xml:"DAV: propertyupdate"`
	Set     []struct {
		Prop valued `xml:"DAV: prop"`
	} `xml:"DAV: set"`
	Remove []struct {
		Prop requested `xml:"DAV: prop"`
	} `xml:"DAV: remove"`
}

// valued lists properties with their text.
type valued struct {
	Props []struct {
		XMLName xml.Name
		Text    string `xml:",chardata"`
	} `xml:",any"`
}

// kept are the presentation properties kept per person for their calendar;
// the others are taken and forgotten. maxKept bounds a value.
var kept = map[xml.Name]bool{
	{Space: nsDAV, Local: "displayname"}:             true,
	{Space: nsApple, Local: "calendar-color"}:        true,
	{Space: nsApple, Local: "calendar-order"}:        true,
	{Space: nsCalDAV, Local: "calendar-description"}: true,
}

const maxKept = 500

// presentation are the properties apps set for their own display (name,
// colour, order, time zone); the server takes them and keeps its own.
var presentation = map[xml.Name]bool{
	{Space: nsDAV, Local: "displayname"}:                 true,
	{Space: nsApple, Local: "calendar-color"}:            true,
	{Space: nsApple, Local: "calendar-order"}:            true,
	{Space: nsCalDAV, Local: "calendar-description"}:     true,
	{Space: nsCalDAV, Local: "calendar-timezone"}:        true,
	{Space: nsCalDAV, Local: "schedule-calendar-transp"}: true,
}

// proppatch answers PROPPATCH on the person's collections: presentation
// properties succeed (Apple Calendar gives up on a calendar whose colour
// it cannot set), others are refused as protected; an object's properties
// are its iCalendar data and cannot be patched.
func (h *Handler) proppatch(w http.ResponseWriter, r *http.Request, body []byte) {
	var req proppatchRequest
	if err := decode(body, &req); err != nil || req.XMLName.Local == "" {
		davError(w, http.StatusBadRequest, "", "the PROPPATCH body is not a propertyupdate this server reads")
		return
	}
	if h.kind(r.URL.Path) == kindObject || h.kind(r.URL.Path) == kindRoot {
		davError(w, http.StatusForbidden, "cannot-modify-protected-property", "only a calendar's or a principal's display properties can be set")
		return
	}
	// Only the person's own collections, and a calendar only when they
	// have it: anything else is not there to take properties.
	if h.kind(r.URL.Path) == kindCalendar {
		if _, err := h.store.GetCalendar(r.Context(), r.URL.Path); err != nil {
			serveError(w, err)
			return
		}
	} else {
		me, err := h.store.Principal(r.Context())
		if err != nil {
			serveError(w, err)
			return
		}
		if !samePath(r.URL.Path, me.Path) && !samePath(r.URL.Path, me.HomeSet) {
			davError(w, http.StatusNotFound, "", "no such collection; the signed-in person's principal is "+me.Path)
			return
		}
	}
	ok, refused := propstat{Status: statusLine(http.StatusOK)}, propstat{Status: statusLine(http.StatusForbidden)}
	var names, removed []xml.Name
	set := map[xml.Name]string{}
	tooLong := map[xml.Name]bool{}
	for _, s := range req.Set {
		for _, p := range s.Prop.Props {
			names = append(names, p.XMLName)
			switch v := strings.TrimSpace(p.Text); {
			case !kept[p.XMLName]:
			case len(v) > maxKept:
				tooLong[p.XMLName] = true
			default:
				set[p.XMLName] = v
			}
		}
	}
	for _, s := range req.Remove {
		for _, n := range s.Prop.names() {
			names = append(names, n)
			if kept[n] {
				removed = append(removed, n)
			}
		}
	}
	for _, n := range names {
		if presentation[n] && !tooLong[n] {
			ok.Prop.Props = append(ok.Prop.Props, property{XMLName: n})
		} else {
			refused.Prop.Props = append(refused.Prop.Props, property{XMLName: n})
		}
	}
	// A PROPPATCH is all or nothing: with one refused, none is taken.
	if len(refused.Prop.Props) > 0 && len(ok.Prop.Props) > 0 {
		ok.Status = statusLine(http.StatusFailedDependency)
	}
	if len(refused.Prop.Props) == 0 && h.kind(r.URL.Path) == kindCalendar && (len(set) > 0 || len(removed) > 0) {
		if err := h.store.SetPresentation(r.Context(), r.URL.Path, set, removed); err != nil {
			serveError(w, err)
			return
		}
	}
	resp := response{Href: r.URL.Path}
	for _, ps := range []propstat{ok, refused} {
		if len(ps.Prop.Props) > 0 {
			resp.Propstat = append(resp.Propstat, ps)
		}
	}
	writeMultistatus(w, multistatus{Responses: []response{resp}})
}
