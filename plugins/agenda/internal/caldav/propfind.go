package caldav

import (
	"encoding/xml"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/emersion/go-webdav/caldav"
)

// propfindRequest is a PROPFIND body: the properties asked for, all of
// them, or their names.
type propfindRequest struct {
	XMLName  xml.Name   `xml:"DAV: propfind"`
	AllProp  *struct{}  `xml:"DAV: allprop"`
	PropName *struct{}  `xml:"DAV: propname"`
	Prop     *requested `xml:"DAV: prop"`
}

// propfind answers PROPFIND on the root, a principal, a home set or a
// calendar (with its objects at depth 1): everything go-webdav answers
// there, and the properties apps look for that it does not.
func (h *Handler) propfind(w http.ResponseWriter, r *http.Request, body []byte) {
	var req propfindRequest
	if err := decode(body, &req); err != nil {
		davError(w, http.StatusBadRequest, "", "the PROPFIND body is not XML this server reads: "+err.Error())
		return
	}
	all := req.Prop == nil || req.AllProp != nil
	asked := req.Prop.names()
	deep := r.Header.Get("Depth") != "0" // 1 and infinity list the members
	ctx := r.Context()
	me, err := h.store.Principal(ctx)
	if err != nil {
		serveError(w, err)
		return
	}
	calendars, err := h.store.ListCalendars(ctx)
	if err != nil {
		serveError(w, err)
		return
	}
	var out []response
	add := func(href string, props map[xml.Name]string) {
		if req.PropName != nil {
			for name := range props {
				props[name] = ""
			}
			all = true
		}
		out = append(out, answer(href, props, asked, all))
	}
	path := r.URL.Path
	switch h.kind(path) {
	case kindRoot:
		add(h.prefix+"/", h.rootProps(me))
		if deep {
			add(me.Path, h.principalProps(me))
		}
	case kindPrincipal:
		if !samePath(path, me.Path) {
			davError(w, http.StatusNotFound, "", "no such principal; the signed-in person's is "+me.Path)
			return
		}
		add(me.Path, h.principalProps(me))
		if deep {
			add(me.HomeSet, h.homeProps(me))
		}
	case kindHome:
		if !samePath(path, me.HomeSet) {
			davError(w, http.StatusNotFound, "", "no such calendar home; the signed-in person's is "+me.HomeSet)
			return
		}
		add(me.HomeSet, h.homeProps(me))
		if deep {
			for _, c := range calendars {
				props, err := h.calendarProps(r, me, c)
				if err != nil {
					serveError(w, err)
					return
				}
				add(c.Path, props)
			}
		}
	case kindCalendar:
		c, err := h.store.GetCalendar(ctx, path)
		if err != nil {
			serveError(w, err)
			return
		}
		props, err := h.calendarProps(r, me, *c)
		if err != nil {
			serveError(w, err)
			return
		}
		add(c.Path, props)
		if deep {
			modTimes := all || slices.Contains(asked, getLastModified)
			objects, err := h.store.List(ctx, c.Path, modTimes)
			if err != nil {
				serveError(w, err)
				return
			}
			out = slices.Grow(out, len(objects))
			for _, o := range objects {
				if req.PropName != nil {
					add(o.Path, objectProps(o, false))
				} else {
					out = append(out, objectAnswer(o, asked, all, false))
				}
			}
		}
	}
	writeMultistatus(w, multistatus{Responses: out})
}

func samePath(a, b string) bool { return strings.TrimSuffix(a, "/") == strings.TrimSuffix(b, "/") }

// privileges is what the person may do with their own collections.
const privileges = `<privilege xmlns="DAV:"><read/></privilege><privilege xmlns="DAV:"><write/></privilege>` +
	`<privilege xmlns="DAV:"><write-content/></privilege><privilege xmlns="DAV:"><write-properties/></privilege>` +
	`<privilege xmlns="DAV:"><bind/></privilege><privilege xmlns="DAV:"><unbind/></privilege>` +
	`<privilege xmlns="DAV:"><read-current-user-privilege-set/></privilege>`

func (h *Handler) common(me Principal) map[xml.Name]string {
	return map[xml.Name]string{
		{Space: nsDAV, Local: "current-user-principal"}:       hrefs(me.Path),
		{Space: nsDAV, Local: "principal-URL"}:                hrefs(me.Path),
		{Space: nsDAV, Local: "principal-collection-set"}:     hrefs(h.prefix + "/"),
		{Space: nsDAV, Local: "current-user-privilege-set"}:   privileges,
		{Space: nsDAV, Local: "owner"}:                        hrefs(me.Path),
		{Space: nsCalDAV, Local: "calendar-home-set"}:         hrefs(me.HomeSet),
		{Space: nsCalDAV, Local: "calendar-user-address-set"}: hrefs("mailto:"+me.Email, me.Path),
		{Space: nsDAV, Local: "supported-report-set"}:         "",
	}
}

func (h *Handler) rootProps(me Principal) map[xml.Name]string {
	p := h.common(me)
	p[xml.Name{Space: nsDAV, Local: "resourcetype"}] = `<collection xmlns="DAV:"/>`
	p[xml.Name{Space: nsDAV, Local: "displayname"}] = "Atrium"
	return p
}

func (h *Handler) principalProps(me Principal) map[xml.Name]string {
	p := h.common(me)
	p[xml.Name{Space: nsDAV, Local: "resourcetype"}] = `<collection xmlns="DAV:"/><principal xmlns="DAV:"/>`
	p[xml.Name{Space: nsDAV, Local: "displayname"}] = text(me.Name)
	p[xml.Name{Space: nsCalDAV, Local: "calendar-user-type"}] = "INDIVIDUAL"
	return p
}

func (h *Handler) homeProps(me Principal) map[xml.Name]string {
	p := h.common(me)
	p[xml.Name{Space: nsDAV, Local: "resourcetype"}] = `<collection xmlns="DAV:"/>`
	p[xml.Name{Space: nsDAV, Local: "displayname"}] = text(me.Name)
	return p
}

// reports are the reports a calendar answers.
const reports = `<supported-report xmlns="DAV:"><report><calendar-query xmlns="urn:ietf:params:xml:ns:caldav"/></report></supported-report>` +
	`<supported-report xmlns="DAV:"><report><calendar-multiget xmlns="urn:ietf:params:xml:ns:caldav"/></report></supported-report>` +
	`<supported-report xmlns="DAV:"><report><sync-collection/></report></supported-report>`

func (h *Handler) calendarProps(r *http.Request, me Principal, c caldav.Calendar) (map[xml.Name]string, error) {
	now, err := h.store.Changes(r.Context(), c.Path, Position{Since: -1}, 0, Want{})
	if err != nil {
		return nil, err
	}
	token := now.Next
	p := h.common(me)
	comps := ""
	for _, comp := range c.SupportedComponentSet {
		comps += `<comp xmlns="urn:ietf:params:xml:ns:caldav" name="` + text(comp) + `"/>`
	}
	for name, v := range map[xml.Name]string{
		{Space: nsDAV, Local: "resourcetype"}:                        `<collection xmlns="DAV:"/><calendar xmlns="urn:ietf:params:xml:ns:caldav"/>`,
		{Space: nsDAV, Local: "displayname"}:                         text(c.Name),
		{Space: nsCalDAV, Local: "calendar-description"}:             text(c.Description),
		{Space: nsCalDAV, Local: "supported-calendar-component-set"}: comps,
		{Space: nsCalDAV, Local: "supported-calendar-data"}:          `<calendar-data xmlns="urn:ietf:params:xml:ns:caldav" content-type="text/calendar" version="2.0"/>`,
		{Space: nsCalDAV, Local: "max-resource-size"}:                strconv.Itoa(maxCalendar),
		{Space: nsDAV, Local: "supported-report-set"}:                reports,
		{Space: nsCS, Local: "getctag"}:                              ctag(token),
		{Space: nsDAV, Local: "sync-token"}:                          text(syncToken(token)),
		{Space: nsApple, Local: "calendar-color"}:                    "#1F5F8BFF",
	} {
		p[name] = v
	}
	own, err := h.store.Presentation(r.Context(), c.Path)
	if err != nil {
		return nil, err
	}
	for name, v := range own {
		p[name] = text(v)
	}
	return p, nil
}

// The properties every object has.
var (
	resourceType    = xml.Name{Space: nsDAV, Local: "resourcetype"}
	getContentType  = xml.Name{Space: nsDAV, Local: "getcontenttype"}
	getETag         = xml.Name{Space: nsDAV, Local: "getetag"}
	getLastModified = xml.Name{Space: nsDAV, Local: "getlastmodified"}
	calendarData    = xml.Name{Space: nsCalDAV, Local: "calendar-data"}
	objectNames     = []xml.Name{resourceType, getContentType, getETag, getLastModified, calendarData}
)

// objectProp is one property of an object, and whether it has it; with
// data, its calendar too, as text escaped where the answer is written (a
// copy escaped first was a tenth of a month's query).
func objectProp(o Object, name xml.Name, data bool) (property, bool) {
	p := property{XMLName: name}
	switch name {
	case resourceType:
		return p, true
	case getContentType:
		p.Inner = "text/calendar; charset=utf-8; component=VEVENT"
		return p, true
	case getETag:
		p.Inner = `&#34;` + text(o.ETag) + `&#34;`
		return p, true
	case getLastModified:
		p.Inner = o.ModTime.UTC().Format(http.TimeFormat)
		return p, !o.ModTime.IsZero()
	case calendarData:
		if !data {
			return p, false
		}
		s, err := o.calendarText()
		p.Text = s
		return p, err == nil && s != ""
	}
	return p, false
}

// objectProps are an object's properties (for allprop and propname).
func objectProps(o Object, data bool) map[xml.Name]string {
	p := make(map[xml.Name]string, len(objectNames))
	for _, name := range objectNames {
		if v, ok := objectProp(o, name, data); ok {
			p[name] = v.Inner + text(v.Text)
		}
	}
	return p
}

// objectAnswer is answer for an object, with all its properties or those
// asked; for those asked without objectProps's map, as a listing or a
// month's query writes thousands.
func objectAnswer(o Object, asked []xml.Name, all, data bool) response {
	if all {
		return answer(o.Path, objectProps(o, data), asked, true)
	}
	found, missing := propstat{Status: statusOK}, propstat{Status: statusNotFound}
	found.Prop.Props = make([]property, 0, len(asked))
	for _, name := range asked {
		if v, ok := objectProp(o, name, data); ok {
			found.Prop.Props = append(found.Prop.Props, v)
		} else {
			missing.Prop.Props = append(missing.Prop.Props, property{XMLName: name})
		}
	}
	r := response{Href: o.Path}
	if len(found.Prop.Props) > 0 || len(missing.Prop.Props) == 0 {
		r.Propstat = append(r.Propstat, found)
	}
	if len(missing.Prop.Props) > 0 {
		r.Propstat = append(r.Propstat, missing)
	}
	return r
}

// serveError answers an error from the store with its status and the
// precondition it names.
func serveError(w http.ResponseWriter, err error) {
	var e *Error
	if errors.As(err, &e) && e.Precondition != "" {
		davErrorAt(w, e.Status, e.Precondition, e.Href, err.Error())
		return
	}
	status := statusOf(err)
	if status >= 500 {
		// The server's own failure: its detail (a statement, a call) is
		// for the log, not the app.
		slog.Error("caldav: the request failed", "error", err)
		davError(w, status, "", "the server could not answer this request; try again later")
		return
	}
	davError(w, status, "", err.Error())
}
