package booking

import (
	"bytes"
	"strconv"
	"time"

	"github.com/emersion/go-ical"
)

// ProdID names Atrium in every calendar it writes.
const ProdID = "-//Atrium//Agenda//EN"

// Event is the appointment as an iCalendar event, for one side: summary
// names the other. The UID never changes and the sequence rises with every
// change, so calendar programs replace their copy instead of adding one.
// stamp is when this copy was made.
func (a Appointment) Event(summary string, stamp time.Time) *ical.Event {
	e := ical.NewEvent()
	e.Props.SetText(ical.PropUID, a.UID)
	seq := ical.NewProp(ical.PropSequence)
	seq.Value = strconv.Itoa(a.Sequence)
	e.Props.Set(seq)
	e.Props.SetDateTime(ical.PropDateTimeStamp, stamp.UTC())
	e.Props.SetDateTime(ical.PropDateTimeStart, a.StartsAt.UTC())
	e.Props.SetDateTime(ical.PropDateTimeEnd, a.EndsAt.UTC())
	e.Props.SetDateTime(ical.PropLastModified, a.UpdatedAt.UTC())
	e.Props.SetText(ical.PropSummary, summary)
	e.Props.SetText(ical.PropLocation, a.Place)
	if a.Status == StatusCancelled {
		e.SetStatus(ical.EventCancelled)
	} else {
		e.SetStatus(ical.EventConfirmed)
	}
	return e
}

// Invitation is a calendar with the appointment and a METHOD (REQUEST for
// a new or changed one, CANCEL for a cancelled one), to go with a mail.
// The organiser is the coach and the coachee attends.
func (a Appointment) Invitation(method, summary, coach, coachee string, now time.Time) ([]byte, error) {
	e := a.Event(summary, now)
	for name, address := range map[string]string{ical.PropOrganizer: coach, ical.PropAttendee: coachee} {
		if address != "" {
			p := ical.NewProp(name)
			p.Value = "mailto:" + address
			e.Props.Set(p)
		}
	}
	cal := CalendarWith(e.Component)
	cal.Props.SetText(ical.PropMethod, method)
	var buf bytes.Buffer
	err := ical.NewEncoder(&buf).Encode(cal)
	return buf.Bytes(), err
}

// CalendarWith is a calendar as the agenda writes it, holding one
// component.
func CalendarWith(c *ical.Component) *ical.Calendar {
	cal := ical.NewCalendar()
	cal.Props.SetText(ical.PropProductID, ProdID)
	cal.Props.SetText(ical.PropVersion, "2.0")
	cal.Children = append(cal.Children, c)
	return cal
}
