package instances

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-ical"
	"github.com/teambition/rrule-go"
)

// Bounds on a VTIMEZONE definition: transitions are worked out from 1900
// to 2100, at most so many per observance (a year has two).
const (
	zoneFrom          = 1900
	zoneTo            = 2100
	maxZoneTransition = 1000
	maxZoneKinds      = 20 // offsets and names a zone has had
	maxZoneName       = 10 // letters of an abbreviation ("CEST")
	maxObservances    = 100
)

// transition is one change of a zone's offset.
type transition struct {
	at     int64 // Unix seconds
	offset int   // seconds east of UTC from then on
	dst    bool
	name   string
}

// fromVTimezone makes a time.Location of a VTIMEZONE: each STANDARD and
// DAYLIGHT observance begins at its DTSTART, and again at each time of its
// RRULE and RDATE, in the wall time of the offset it leaves. Go builds a
// Location from the compiled zone format only (TZif, RFC 8536), so the
// transitions are written in that format and read back.
func fromVTimezone(tzid string, vtz *ical.Component) (*time.Location, error) {
	if len(vtz.Children) > maxObservances {
		return nil, fmt.Errorf("time zone %q has %d observances; a zone has at most %d", tzid, len(vtz.Children), maxObservances)
	}
	var all []transition
	for _, obs := range vtz.Children {
		if obs.Name != ical.CompTimezoneStandard && obs.Name != ical.CompTimezoneDaylight {
			continue
		}
		from, err := offsetOf(obs, ical.PropTimezoneOffsetFrom)
		if err != nil {
			return nil, err
		}
		to, err := offsetOf(obs, ical.PropTimezoneOffsetTo)
		if err != nil {
			return nil, err
		}
		name, _ := obs.Props.Text(ical.PropTimezoneName)
		if len(name) > maxZoneName {
			name = name[:maxZoneName]
		}
		onsets, err := onsetsOf(obs)
		if err != nil {
			return nil, err
		}
		for _, wall := range onsets {
			// The onset is written in the wall time of the offset left.
			all = append(all, transition{at: wall.Unix() - int64(from), offset: to, dst: obs.Name == ical.CompTimezoneDaylight, name: name})
		}
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("VTIMEZONE %q has no STANDARD or DAYLIGHT observance", tzid)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].at < all[j].at })
	data, err := tzif(all)
	if err != nil {
		return nil, fmt.Errorf("VTIMEZONE %q: %v", tzid, err)
	}
	return time.LoadLocationFromTZData(tzid, data)
}

// offsetOf reads a UTC offset property ("+0100", "-053000").
func offsetOf(obs *ical.Component, name string) (int, error) {
	p := obs.Props.Get(name)
	if p == nil {
		return 0, fmt.Errorf("a time zone observance without %s", name)
	}
	v := strings.TrimSpace(p.Value)
	if len(v) != 5 && len(v) != 7 || v[0] != '+' && v[0] != '-' {
		return 0, fmt.Errorf("%s %q is not an offset such as +0100", name, v)
	}
	h, err1 := strconv.Atoi(v[1:3])
	m, err2 := strconv.Atoi(v[3:5])
	s := 0
	var err3 error
	if len(v) == 7 {
		s, err3 = strconv.Atoi(v[5:7])
	}
	if err1 != nil || err2 != nil || err3 != nil || h > 18 || m > 59 || s > 59 {
		return 0, fmt.Errorf("%s %q is not an offset such as +0100", name, v)
	}
	off := h*3600 + m*60 + s
	if v[0] == '-' {
		off = -off
	}
	return off, nil
}

// onsetsOf are the wall times (as UTC clock readings) an observance
// begins at, between zoneFrom and zoneTo.
func onsetsOf(obs *ical.Component) ([]time.Time, error) {
	p := obs.Props.Get(ical.PropDateTimeStart)
	if p == nil {
		return nil, fmt.Errorf("a time zone observance without DTSTART")
	}
	start, err := time.ParseInLocation("20060102T150405", p.Value, time.UTC)
	if err != nil {
		return nil, fmt.Errorf("a time zone observance's DTSTART %q: %v", p.Value, err)
	}
	out := []time.Time{start}
	if rp := obs.Props.Get(ical.PropRecurrenceRule); rp != nil {
		opt, err := rrule.StrToROption(rp.Value)
		if err != nil {
			return nil, fmt.Errorf("a time zone observance's RRULE: %v", err)
		}
		if opt.Freq != rrule.YEARLY {
			return nil, fmt.Errorf("a time zone observance repeats yearly, not %v", opt.Freq)
		}
		// An UNTIL in UTC is compared as a wall time: close enough for the
		// last transition of a rule that ended. None goes past zoneTo: a
		// rule no year meets (BYMONTH=2;BYMONTHDAY=30) was walked to the
		// year 9999, some milliseconds for each observance of each read.
		opt.Dtstart = start
		if end := time.Date(zoneTo+1, 1, 1, 0, 0, 0, 0, time.UTC); opt.Until.IsZero() || opt.Until.After(end) {
			opt.Until = end
		}
		rule, err := rrule.NewRRule(*opt)
		if err != nil {
			return nil, fmt.Errorf("a time zone observance's RRULE: %v", err)
		}
		next := rule.Iterator()
		for at, ok := next(); ok && at.Year() <= zoneTo && len(out) <= maxZoneTransition; at, ok = next() {
			if !at.Equal(start) {
				out = append(out, at)
			}
		}
	}
	for _, rp := range obs.Props[ical.PropRecurrenceDates] {
		for _, v := range strings.Split(rp.Value, ",") {
			if at, err := time.ParseInLocation("20060102T150405", strings.TrimSpace(v), time.UTC); err == nil && len(out) <= maxZoneTransition {
				out = append(out, at)
			}
		}
	}
	kept := out[:0]
	for _, at := range out {
		if y := at.Year(); y >= zoneFrom && y <= zoneTo {
			kept = append(kept, at)
		}
	}
	return kept, nil
}

// tzif writes transitions in the compiled zone format, version 2: an
// empty version 1 block, then the 64-bit block, then an empty footer
// (after the last transition its offset holds).
func tzif(all []transition) ([]byte, error) {
	type kind struct {
		offset int
		dst    bool
		name   string
	}
	var kinds []kind
	index := map[kind]int{}
	// The first kind is what holds before the first transition: the
	// standard offset the first observance left is not known here, so the
	// first transition's own.
	first := kind{all[0].offset, all[0].dst, all[0].name}
	index[first], kinds = 0, append(kinds, first)
	var times []int64
	var idx []byte
	for _, t := range all {
		k := kind{t.offset, t.dst, t.name}
		i, ok := index[k]
		if !ok {
			if i = len(kinds); i == maxZoneKinds {
				return nil, fmt.Errorf("more than %d offsets and names", maxZoneKinds)
			}
			index[k], kinds = i, append(kinds, k)
		}
		if len(times) > 0 && times[len(times)-1] == t.at {
			idx[len(idx)-1] = byte(i) // two observances at one instant: the later wins
			continue
		}
		times, idx = append(times, t.at), append(idx, byte(i))
	}
	var names bytes.Buffer
	nameAt := map[string]int{}
	for _, k := range kinds {
		if _, ok := nameAt[k.name]; !ok {
			nameAt[k.name] = names.Len()
			names.WriteString(k.name)
			names.WriteByte(0)
		}
	}
	var b bytes.Buffer
	header := func(timecnt, typecnt, charcnt int) {
		b.WriteString("TZif2")
		b.Write(make([]byte, 15))
		for _, n := range []int{0, 0, 0, timecnt, typecnt, charcnt} { // isut, isstd, leap, time, type, char
			_ = binary.Write(&b, binary.BigEndian, uint32(n))
		}
	}
	// Version 1 block: one kind, no transitions (readers of version 2 skip it).
	header(0, 1, 1)
	b.Write([]byte{0, 0, 0, 0, 0, 0, 0})
	header(len(times), len(kinds), names.Len())
	for _, t := range times {
		_ = binary.Write(&b, binary.BigEndian, t)
	}
	b.Write(idx)
	for _, k := range kinds {
		_ = binary.Write(&b, binary.BigEndian, int32(k.offset))
		dst := byte(0)
		if k.dst {
			dst = 1
		}
		b.Write([]byte{dst, byte(nameAt[k.name])})
	}
	b.Write(names.Bytes())
	b.WriteString("\n\n")
	return b.Bytes(), nil
}
