package caldav

import (
	"bytes"
	"fmt"

	"github.com/emersion/go-ical"
)

// Decode reads one iCalendar object. go-ical panics on some malformed
// lines (a parameter without a value at the end of a line, found by
// FuzzParseEvent); here that is an error like any other bad input.
func Decode(data []byte) (cal *ical.Calendar, err error) {
	defer func() {
		if p := recover(); p != nil {
			cal, err = nil, fmt.Errorf("caldav: not iCalendar this server reads")
		}
	}()
	// A NUL byte no database keeps in text (PostgreSQL refuses it).
	if bytes.IndexByte(data, 0) >= 0 {
		return nil, fmt.Errorf("caldav: iCalendar holds no NUL bytes")
	}
	cal, err = ical.NewDecoder(bytes.NewReader(data)).Decode()
	if err == nil && cal == nil {
		err = fmt.Errorf("caldav: no calendar in the body")
	}
	return cal, err
}
