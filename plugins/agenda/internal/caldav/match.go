package caldav

import (
	"github.com/emersion/go-ical"
	"github.com/emersion/go-webdav/caldav"
)

// Query is a calendar-query's filter as this server judges it: go-webdav's,
// and the properties whose text-matches compare without regard to ASCII
// case (i;ascii-casemap, RFC 4791's default). go-webdav's matcher compares
// text as it is, so those properties are folded in a copy of the object
// before it judges (their filter's text is folded as it is read).
type Query struct {
	caldav.CalendarQuery
	folded map[string]bool
}

// Matches tells whether the object's calendar matches the filter.
func (q *Query) Matches(o *caldav.CalendarObject) (bool, error) {
	if len(q.folded) == 0 || o.Data == nil {
		return caldav.Match(q.CompFilter, o)
	}
	folded := &caldav.CalendarObject{Data: &ical.Calendar{Component: foldedCopy(o.Data.Component, q.folded)}}
	return caldav.Match(q.CompFilter, folded)
}

// foldedCopy copies a component with the values (and parameters) of the
// named properties in lower case; the rest is shared, read only.
func foldedCopy(c *ical.Component, names map[string]bool) *ical.Component {
	out := &ical.Component{Name: c.Name, Props: ical.Props{}, Children: make([]*ical.Component, 0, len(c.Children))}
	for name, props := range c.Props {
		if !names[name] {
			out.Props[name] = props
			continue
		}
		copied := make([]ical.Prop, 0, len(props))
		for _, p := range props {
			params := ical.Params{}
			for k, vs := range p.Params {
				for _, v := range vs {
					params[k] = append(params[k], foldASCII(v))
				}
			}
			copied = append(copied, ical.Prop{Name: p.Name, Params: params, Value: foldASCII(p.Value)})
		}
		out.Props[name] = copied
	}
	for _, child := range c.Children {
		out.Children = append(out.Children, foldedCopy(child, names))
	}
	return out
}

// foldASCII is s with A-Z as a-z, as i;ascii-casemap compares.
func foldASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
