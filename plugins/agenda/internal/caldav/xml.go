package caldav

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The XML namespaces calendar apps speak, and the two XML reserves.
const (
	nsXML    = "http://www.w3.org/XML/1998/namespace"
	nsXMLNS  = "http://www.w3.org/2000/xmlns/"
	nsDAV    = "DAV:"
	nsCalDAV = "urn:ietf:params:xml:ns:caldav"
	nsCS     = "http://calendarserver.org/ns/"
	nsApple  = "http://apple.com/ns/ical/"
)

// property is one property in an answer: its name and its value as XML.
type property struct {
	XMLName xml.Name
	Inner   string `xml:",innerxml"`
	Text    string `xml:"-"` // text, escaped as it is written after Inner
}

type propstat struct {
	Prop   propList `xml:"DAV: prop"`
	Status string   `xml:"DAV: status"`
}

// propList holds properties, each under its own name.
type propList struct {
	Props []property
}

type response struct {
	Href     string        `xml:"DAV: href"`
	Propstat []propstat    `xml:"DAV: propstat,omitempty"`
	Status   string        `xml:"DAV: status,omitempty"`
	Error    *davErrorBody `xml:"DAV: error,omitempty"`
}

// dataBudget is the calendar data an answer carries so far, bounded by
// MaxAnswer: below what the host takes from a plugin.
type dataBudget int

// spend counts a response's data and says whether the answer still fits.
func (b *dataBudget) spend(r response) bool {
	*b += dataBudget(r.dataSize())
	return *b <= MaxAnswer
}

// refuse answers 507 for an answer that does not fit, with what to do.
func (b *dataBudget) refuse(w http.ResponseWriter, instead string) {
	davError(w, http.StatusInsufficientStorage, "number-of-matches-within-limits", "the objects hold more than 12 MiB of calendar data; "+instead)
}

// dataSize is how much calendar data the response carries, as written.
func (r response) dataSize() int {
	n := 0
	for _, ps := range r.Propstat {
		for _, p := range ps.Prop.Props {
			if p.XMLName == calendarData {
				n += len(p.Inner) + escapedSize(p.Text)
			}
		}
	}
	return n
}

// davErrorBody is a response's DAV:error: the one precondition a response
// names here, number-of-matches-within-limits.
type davErrorBody struct {
	Limit *struct{} `xml:"DAV: number-of-matches-within-limits,omitempty"`
}

type multistatus struct {
	XMLName   xml.Name   `xml:"DAV: multistatus"`
	Responses []response `xml:"DAV: response"`
	SyncToken string     `xml:"DAV: sync-token,omitempty"`
}

// requested lists property names in a request's <prop>.
type requested struct {
	Names []struct {
		XMLName xml.Name
	} `xml:",any"`
}

func (q *requested) names() []xml.Name {
	if q == nil {
		return nil
	}
	out := make([]xml.Name, 0, len(q.Names))
	for _, n := range q.Names {
		out = append(out, n.XMLName)
	}
	return out
}

// answer builds a response for href from the properties a resource has:
// the ones asked for (all of them for allprop) with 200, the ones it lacks
// with 404.
func answer(href string, has map[xml.Name]string, asked []xml.Name, all bool) response {
	found, missing := propstat{Status: statusLine(http.StatusOK)}, propstat{Status: statusLine(http.StatusNotFound)}
	if all {
		for _, name := range sortedNames(has) {
			found.Prop.Props = append(found.Prop.Props, property{XMLName: name, Inner: has[name]})
		}
	}
	for _, name := range asked {
		if v, ok := has[name]; ok {
			found.Prop.Props = append(found.Prop.Props, property{XMLName: name, Inner: v})
		} else {
			missing.Prop.Props = append(missing.Prop.Props, property{XMLName: name})
		}
	}
	r := response{Href: href}
	for _, ps := range []propstat{found, missing} {
		if len(ps.Prop.Props) > 0 {
			r.Propstat = append(r.Propstat, ps)
		}
	}
	if len(r.Propstat) == 0 {
		r.Propstat = []propstat{found}
	}
	return r
}

func sortedNames(m map[xml.Name]string) []xml.Name {
	names := make([]xml.Name, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return names[i].Space+names[i].Local < names[j].Space+names[j].Local })
	return names
}

// The status lines of nearly every response.
var (
	statusOK       = statusLine(http.StatusOK)
	statusNotFound = statusLine(http.StatusNotFound)
)

func statusLine(code int) string {
	return "HTTP/1.1 " + strconv.Itoa(code) + " " + http.StatusText(code)
}

// writeMultistatus answers 207 with the responses. It is written by hand:
// through encoding/xml's reflection a listing of 10,000 objects took a
// third of its time in writing.
func writeMultistatus(w http.ResponseWriter, ms multistatus) {
	size := 256
	for _, r := range ms.Responses {
		size += 256 + len(r.Href) + r.dataSize()*17/16 // calendar data grows a little as it is escaped
	}
	var b bytes.Buffer
	b.Grow(size)
	b.WriteString(xml.Header + `<multistatus xmlns="DAV:">`)
	for _, r := range ms.Responses {
		b.WriteString("<response><href>")
		escape(&b, r.Href)
		b.WriteString("</href>")
		for _, ps := range r.Propstat {
			b.WriteString("<propstat><prop>")
			for _, p := range ps.Prop.Props {
				writeProperty(&b, p)
			}
			b.WriteString("</prop><status>")
			escape(&b, ps.Status)
			b.WriteString("</status></propstat>")
		}
		if r.Status != "" {
			b.WriteString("<status>")
			escape(&b, r.Status)
			b.WriteString("</status>")
		}
		if r.Error != nil && r.Error.Limit != nil {
			b.WriteString("<error><number-of-matches-within-limits/></error>")
		}
		b.WriteString("</response>")
	}
	if ms.SyncToken != "" {
		b.WriteString("<sync-token>")
		escape(&b, ms.SyncToken)
		b.WriteString("</sync-token>")
	}
	b.WriteString("</multistatus>")
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.WriteHeader(http.StatusMultiStatus)
	_, _ = w.Write(b.Bytes())
}

// writeProperty writes one property, its value already XML, in its own
// namespace where that is not DAV:.
func writeProperty(b *bytes.Buffer, p property) {
	switch p.XMLName.Space {
	case nsXMLNS, "xmlns": // no element may be in it: not answered
		return
	case nsXML: // bound to its prefix, never a default namespace
		p.XMLName.Local = "xml:" + p.XMLName.Local
		p.XMLName.Space = nsDAV
	}
	b.WriteByte('<')
	b.WriteString(p.XMLName.Local)
	if p.XMLName.Space != nsDAV {
		b.WriteString(` xmlns="`)
		escape(b, p.XMLName.Space)
		b.WriteByte('"')
	}
	if p.Inner == "" && p.Text == "" {
		b.WriteString("/>")
		return
	}
	b.WriteByte('>')
	b.WriteString(p.Inner)
	escape(b, p.Text)
	b.WriteString("</")
	b.WriteString(p.XMLName.Local)
	b.WriteByte('>')
}

// escape writes s as XML text or attribute value: the markup characters
// and quotes as references, a carriage return as one (a parser would turn
// CRLF into LF, and iCalendar lines end in CRLF), and what XML cannot hold
// (other control characters, bytes that are not UTF-8) as U+FFFD, as
// encoding/xml does; the rest, nearly all of a calendar, as it is.
func escape(b interface{ WriteString(string) (int, error) }, s string) {
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < utf8.RuneSelf && c != '&' && c != '<' && c != '>' && c != '"' && c != '\'' {
			i++
			continue
		}
		var ref string
		width := 1
		switch c {
		case '&':
			ref = "&amp;"
		case '<':
			ref = "&lt;"
		case '>':
			ref = "&gt;"
		case '"':
			ref = "&#34;"
		case '\'':
			ref = "&#39;"
		case '\r':
			ref = "&#xD;"
		case '\n', '\t':
			i++
			continue
		default:
			if c < 0x20 {
				ref = "\uFFFD"
				break
			}
			r, n := utf8.DecodeRuneInString(s[i:])
			width = n
			if r != utf8.RuneError || n > 1 {
				if inCharacterRange(r) {
					i += n
					continue
				}
			}
			ref = "\uFFFD"
		}
		_, _ = b.WriteString(s[last:i])
		_, _ = b.WriteString(ref)
		i += width
		last = i
	}
	_, _ = b.WriteString(s[last:])
}

// escapedSize is how long s is once escaped, at most (a character XML
// cannot hold counted as its replacement).
func escapedSize(s string) int {
	n := len(s)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '&' || c == '"' || c == '\'' || c == '\r':
			n += 4
		case c == '<' || c == '>':
			n += 3
		case c < 0x20 && c != '\n' && c != '\t':
			n += 2
		}
	}
	return n
}

// inCharacterRange tells a character XML 1.0 may hold (§2.2).
func inCharacterRange(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// calDAVPreconditions are RFC 4791's (the rest are WebDAV's).
var calDAVPreconditions = map[string]bool{"max-resource-size": true, "valid-calendar-data": true, "supported-calendar-data": true,
	"supported-calendar-component": true, "no-uid-conflict": true, "valid-calendar-object-resource": true, "valid-filter": true,
	"supported-collation": true}

// davError answers a status with a DAV:error body naming the failed
// precondition (when there is one) and why, for the person reading logs.
func davError(w http.ResponseWriter, status int, precondition, why string) {
	davErrorAt(w, status, precondition, "", why)
}

// davErrorAt is davError for a precondition that names an object (the one
// of the same UID, for no-uid-conflict).
func davErrorAt(w http.ResponseWriter, status int, precondition, href, why string) {
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.WriteHeader(status)
	var b strings.Builder
	b.WriteString(xml.Header + `<error xmlns="DAV:">`)
	if precondition != "" {
		name := precondition
		ns := nsDAV
		if calDAVPreconditions[name] {
			ns = nsCalDAV
		}
		if href == "" {
			b.WriteString(`<` + name + ` xmlns="` + ns + `"/>`)
		} else {
			b.WriteString(`<` + name + ` xmlns="` + ns + `"><href xmlns="DAV:">`)
			_ = xml.EscapeText(&b, []byte(href))
			b.WriteString(`</href></` + name + `>`)
		}
	}
	b.WriteString(`<responsedescription>`)
	_ = xml.EscapeText(&b, []byte(why))
	b.WriteString(`</responsedescription></error>`)
	_, _ = w.Write([]byte(b.String()))
}

var errTooLarge = errors.New("caldav: body too large")

// readBody reads at most limit bytes and puts them back for whoever reads
// the request next.
func readBody(r *http.Request, limit int64) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > limit {
		return nil, errTooLarge
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return body, nil
}

// decode reads an XML request body into v; an empty body leaves v as it is.
func decode(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = true
	return d.Decode(v)
}

// text is a value escaped for XML.
func text(s string) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/16)
	escape(&b, s)
	return b.String()
}

// hrefs is one or more DAV:href elements.
func hrefs(paths ...string) string {
	var b strings.Builder
	for _, p := range paths {
		b.WriteString(`<href xmlns="DAV:">` + text(p) + `</href>`)
	}
	return b.String()
}
