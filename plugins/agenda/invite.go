package main

import (
	"bytes"
	"strconv"
	"time"

	"github.com/emersion/go-ical"
)

// prodID names Atrium in every calendar it writes.
const prodID = "-//Atrium//Agenda//EN"

// event is an appointment as an iCalendar event, for one side: summary
// names the other. The UID never changes and the sequence rises with every
// change, so calendar programs replace their copy instead of adding one.
// stamp is when this copy was made.
func event(a appointment, summary string, stamp time.Time) *ical.Event {
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
	if a.Status == statusCancelled {
		e.SetStatus(ical.EventCancelled)
	} else {
		e.SetStatus(ical.EventConfirmed)
	}
	return e
}

// invitation is a calendar with one appointment and a METHOD (REQUEST for
// a new or changed one, CANCEL for a cancelled one), to go with a mail.
// The organiser is the coach and the coachee attends.
func invitation(a appointment, method, summary, coach, coachee string, now time.Time) ([]byte, error) {
	e := event(a, summary, now)
	for name, address := range map[string]string{ical.PropOrganizer: coach, ical.PropAttendee: coachee} {
		if address != "" {
			p := ical.NewProp(name)
			p.Value = "mailto:" + address
			e.Props.Set(p)
		}
	}
	cal := calendarWith(e.Component)
	cal.Props.SetText(ical.PropMethod, method)
	var buf bytes.Buffer
	err := ical.NewEncoder(&buf).Encode(cal)
	return buf.Bytes(), err
}

// calendarWith is a calendar holding one component.
func calendarWith(c *ical.Component) *ical.Calendar {
	cal := ical.NewCalendar()
	cal.Props.SetText(ical.PropProductID, prodID)
	cal.Props.SetText(ical.PropVersion, "2.0")
	cal.Children = append(cal.Children, c)
	return cal
}
