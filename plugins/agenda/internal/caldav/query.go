package caldav

import (
	"encoding/xml"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-webdav/caldav"
)

// queryRequest is a calendar-query report (RFC 4791 §7.8). Its filter is
// read here rather than by go-webdav, whose reading drops a text-match's
// negate-condition, and its objects are answered with the text the store
// keeps.
type queryRequest struct {
	XMLName xml.Name   `xml:"urn:ietf:params:xml:ns:caldav calendar-query"`
	Prop    *requested `xml:"DAV: prop"`
	AllProp *struct{}  `xml:"DAV: allprop"`
	Filter  *struct {
		Comp *compFilter `xml:"urn:ietf:params:xml:ns:caldav comp-filter"`
	} `xml:"urn:ietf:params:xml:ns:caldav filter"`
}

type compFilter struct {
	Name         string        `xml:"name,attr"`
	IsNotDefined *struct{}     `xml:"urn:ietf:params:xml:ns:caldav is-not-defined"`
	TimeRange    *timeRange    `xml:"urn:ietf:params:xml:ns:caldav time-range"`
	Props        []propFilter  `xml:"urn:ietf:params:xml:ns:caldav prop-filter"`
	Comps        []*compFilter `xml:"urn:ietf:params:xml:ns:caldav comp-filter"`
}

type propFilter struct {
	Name         string        `xml:"name,attr"`
	IsNotDefined *struct{}     `xml:"urn:ietf:params:xml:ns:caldav is-not-defined"`
	TimeRange    *timeRange    `xml:"urn:ietf:params:xml:ns:caldav time-range"`
	TextMatch    *textMatch    `xml:"urn:ietf:params:xml:ns:caldav text-match"`
	Params       []paramFilter `xml:"urn:ietf:params:xml:ns:caldav param-filter"`
}

type paramFilter struct {
	Name         string     `xml:"name,attr"`
	IsNotDefined *struct{}  `xml:"urn:ietf:params:xml:ns:caldav is-not-defined"`
	TextMatch    *textMatch `xml:"urn:ietf:params:xml:ns:caldav text-match"`
}

type textMatch struct {
	Text      string `xml:",chardata"`
	Collation string `xml:"collation,attr"`
	Negate    string `xml:"negate-condition,attr"`
}

type timeRange struct {
	Start string `xml:"start,attr"`
	End   string `xml:"end,attr"`
}

// Bounds on a filter: how deep comp-filters nest (a calendar holds
// VCALENDAR, VEVENT and VALARM, and a hostile body could nest thousands),
// and how many comp-, prop- and param-filters it holds in all (go-webdav's
// matcher judges each against each component: 30,000 sibling filters kept
// a plugin busy for 24 seconds).
const (
	maxFilterDepth = 8
	maxFilterNodes = 64
)

// badFilter is a filter this server cannot read, with why.
type badFilter string

func (b badFilter) Error() string { return string(b) }

// badCollation is a text-match in a collation this server does not have
// (RFC 4791 §9.7.5 asks CALDAV:supported-collation).
type badCollation string

func (b badCollation) Error() string {
	return "this server compares text as i;ascii-casemap or i;octet, not " + string(b)
}

// query answers a calendar-query with the objects the store finds and the
// properties asked for.
func (h *Handler) query(w http.ResponseWriter, r *http.Request, body []byte) {
	var req queryRequest
	if err := decode(body, &req); err != nil {
		davError(w, http.StatusBadRequest, "", "the calendar-query report is not XML this server reads: "+err.Error())
		return
	}
	if req.Filter == nil || req.Filter.Comp == nil {
		davError(w, http.StatusForbidden, "valid-filter", "a calendar-query needs a filter with a comp-filter (RFC 4791 §9.7)")
		return
	}
	if n := req.Filter.Comp.count(); n > maxFilterNodes {
		davError(w, http.StatusForbidden, "valid-filter", "a filter holds at most 64 comp-, prop- and param-filters")
		return
	}
	q := &Query{folded: map[string]bool{}}
	filter, err := req.Filter.Comp.read(1, q.folded)
	var collation badCollation
	if errors.As(err, &collation) {
		davError(w, http.StatusForbidden, "supported-collation", err.Error())
		return
	}
	if err != nil {
		davError(w, http.StatusForbidden, "valid-filter", err.Error())
		return
	}
	props := req.Prop.names()
	modTimes := req.AllProp != nil || slices.Contains(props, xml.Name{Space: nsDAV, Local: "getlastmodified"})
	q.CompFilter = filter
	found, err := h.store.Query(r.Context(), r.URL.Path, q, modTimes)
	if err != nil {
		serveError(w, err)
		return
	}
	data := asksData(props) || req.AllProp != nil
	ms := multistatus{Responses: make([]response, 0, len(found))}
	var budget dataBudget
	for _, o := range found {
		resp := objectAnswer(o, props, req.AllProp != nil, data)
		if !budget.spend(resp) {
			budget.refuse(w, "ask for a shorter time range")
			return
		}
		ms.Responses = append(ms.Responses, resp)
	}
	writeMultistatus(w, ms)
}

// count is how many comp-, prop- and param-filters the filter holds.
func (c *compFilter) count() int {
	n := 1 + len(c.Props)
	for _, p := range c.Props {
		n += len(p.Params)
	}
	for _, child := range c.Comps {
		n += child.count()
	}
	return n
}

// read turns the XML comp-filter into go-webdav's, checking what RFC 4791
// §9.7 asks of it.
func (c *compFilter) read(depth int, folded map[string]bool) (caldav.CompFilter, error) {
	out := caldav.CompFilter{Name: c.Name, IsNotDefined: c.IsNotDefined != nil}
	if depth > maxFilterDepth {
		return out, badFilter("comp-filters nest deeper than a calendar does")
	}
	if c.Name == "" {
		return out, badFilter("a comp-filter names its component")
	}
	if out.IsNotDefined && (c.TimeRange != nil || len(c.Props) > 0 || len(c.Comps) > 0) {
		return out, badFilter("is-not-defined stands alone in its comp-filter")
	}
	var err error
	if out.Start, out.End, err = c.TimeRange.read(); err != nil {
		return out, err
	}
	for _, p := range c.Props {
		pf, err := p.read(folded)
		if err != nil {
			return out, err
		}
		out.Props = append(out.Props, pf)
	}
	for _, child := range c.Comps {
		cf, err := child.read(depth+1, folded)
		if err != nil {
			return out, err
		}
		out.Comps = append(out.Comps, cf)
	}
	return out, nil
}

// read turns the XML prop-filter into go-webdav's; a property a text-match
// compares without regard to case is named in folded.
func (p propFilter) read(folded map[string]bool) (caldav.PropFilter, error) {
	out := caldav.PropFilter{Name: p.Name, IsNotDefined: p.IsNotDefined != nil}
	if p.Name == "" {
		return out, badFilter("a prop-filter names its property")
	}
	if out.IsNotDefined && (p.TimeRange != nil || p.TextMatch != nil || len(p.Params) > 0) {
		return out, badFilter("is-not-defined stands alone in its prop-filter")
	}
	var err error
	if out.Start, out.End, err = p.TimeRange.read(); err != nil {
		return out, err
	}
	if out.TextMatch, err = p.TextMatch.read(); err != nil {
		return out, err
	}
	if p.TextMatch.casemap() {
		folded[strings.ToUpper(p.Name)] = true
	}
	for _, pf := range p.Params {
		param := caldav.ParamFilter{Name: pf.Name, IsNotDefined: pf.IsNotDefined != nil}
		if pf.Name == "" || param.IsNotDefined && pf.TextMatch != nil {
			return out, badFilter("a param-filter names its parameter, and is-not-defined stands alone in it")
		}
		if param.TextMatch, err = pf.TextMatch.read(); err != nil {
			return out, err
		}
		if pf.TextMatch.casemap() {
			folded[strings.ToUpper(p.Name)] = true
		}
		out.ParamFilter = append(out.ParamFilter, param)
	}
	return out, nil
}

func (t *textMatch) read() (*caldav.TextMatch, error) {
	if t == nil {
		return nil, nil
	}
	switch t.Negate {
	case "", "no", "yes":
	default:
		return nil, badFilter(`negate-condition is "yes" or "no"`)
	}
	switch t.Collation {
	case "", "i;ascii-casemap", "i;octet":
	default:
		return nil, badCollation(t.Collation)
	}
	text := t.Text
	if t.casemap() {
		text = foldASCII(text)
	}
	return &caldav.TextMatch{Text: text, NegateCondition: t.Negate == "yes"}, nil
}

// casemap tells a text-match that compares without regard to ASCII case:
// i;ascii-casemap, named or (RFC 4791 §9.7.5) by default.
func (t *textMatch) casemap() bool {
	return t != nil && (t.Collation == "" || t.Collation == "i;ascii-casemap")
}

// read is the range's start and end, either of them zero when it is left
// open; RFC 4791 §9.9 asks for at least one, in UTC.
func (t *timeRange) read() (start, end time.Time, err error) {
	if t == nil {
		return start, end, nil
	}
	if t.Start == "" && t.End == "" {
		return start, end, badFilter("a time-range has a start, an end or both")
	}
	for _, v := range []struct {
		text string
		into *time.Time
	}{{t.Start, &start}, {t.End, &end}} {
		if v.text == "" {
			continue
		}
		if *v.into, err = time.Parse("20060102T150405Z", v.text); err != nil {
			return start, end, badFilter("a time-range's start and end are UTC times such as 20301201T000000Z, not " + v.text)
		}
	}
	if !start.IsZero() && !end.IsZero() && !end.After(start) {
		return start, end, badFilter("a time-range ends after it starts")
	}
	return start, end, nil
}
