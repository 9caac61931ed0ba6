package instances

import (
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-ical"
	"github.com/yaegashi/wtz.go"
)

// zones finds the time zone a TZID names in one calendar object: an IANA
// name, a Windows name (Outlook writes "W. Europe Standard Time"; CLDR's
// table maps it), or else the object's own VTIMEZONE definition, as
// RFC 5545 means it to be read.
type zones struct {
	cal  *ical.Calendar
	seen map[string]*time.Location
}

func zonesOf(cal *ical.Calendar) *zones {
	return &zones{cal: cal, seen: map[string]*time.Location{}}
}

// ErrUnknownZone is a TZID that no name and no VTIMEZONE of the object
// explains.
type ErrUnknownZone struct{ TZID string }

func (e ErrUnknownZone) Error() string {
	return fmt.Sprintf("time zone %q is neither a known name nor defined by a VTIMEZONE in the object", e.TZID)
}

func (z *zones) location(tzid string) (*time.Location, error) {
	tzid = strings.TrimSpace(tzid)
	if loc, ok := z.seen[tzid]; ok {
		return loc, nil
	}
	loc, err := z.find(tzid)
	if err != nil {
		return nil, err
	}
	z.seen[tzid] = loc
	return loc, nil
}

func (z *zones) find(tzid string) (*time.Location, error) {
	// Some writers prefix a path ("/mozilla.org/20050126_1/Europe/Berlin").
	name := tzid
	if i := strings.Index(tzid, "/"); i == 0 {
		parts := strings.Split(strings.Trim(tzid, "/"), "/")
		if len(parts) >= 2 {
			name = strings.Join(parts[len(parts)-2:], "/")
		}
	}
	if name != "" && name != "Local" {
		if loc, err := time.LoadLocation(name); err == nil {
			return loc, nil
		}
		if loc, err := wtz.LoadLocation(name); err == nil {
			return loc, nil
		}
	}
	for _, c := range z.cal.Children {
		if c.Name != ical.CompTimezone {
			continue
		}
		if id, _ := c.Props.Text(ical.PropTimezoneID); id == tzid {
			return fromVTimezone(tzid, c)
		}
	}
	return nil, ErrUnknownZone{TZID: tzid}
}
