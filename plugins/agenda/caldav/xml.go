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
)

// The XML namespaces calendar apps speak.
const (
	nsDAV    = "DAV:"
	nsCalDAV = "urn:ietf:params:xml:ns:caldav"
	nsCS     = "http://calendarserver.org/ns/"
	nsApple  = "http://apple.com/ns/ical/"
)

// property is one property in an answer: its name and its value as XML.
type property struct {
	XMLName xml.Name
	Inner   string `xml:",innerxml"`
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

func statusLine(code int) string {
	return "HTTP/1.1 " + strconv.Itoa(code) + " " + http.StatusText(code)
}

// writeMultistatus answers 207 with the responses.
func writeMultistatus(w http.ResponseWriter, ms multistatus) {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	if err := xml.NewEncoder(&buf).Encode(ms); err != nil {
		http.Error(w, "caldav: the answer could not be written", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.WriteHeader(http.StatusMultiStatus)
	_, _ = w.Write(buf.Bytes())
}

// calDAVPreconditions are RFC 4791's (the rest are WebDAV's).
var calDAVPreconditions = map[string]bool{"max-resource-size": true, "valid-calendar-data": true, "supported-calendar-data": true,
	"supported-calendar-component": true, "no-uid-conflict": true, "valid-calendar-object-resource": true}

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
	_ = xml.EscapeText(&b, []byte(s))
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
