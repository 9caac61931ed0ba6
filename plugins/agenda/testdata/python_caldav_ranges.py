#!/usr/bin/python3
"""Asks Atrium's calendar time-range questions with Debian's python3-caldav:
events of each kind RFC 4791 §9.9 reads (one exactly filling the range, one
ending as it starts, an all-day event, a weekly event whose instance began
before the range, a moved instance, an event in Outlook's Windows zone),
then a search per case. Prints "case: True|False" (whether the event was
found) and "put outlook: <status>"; the Go test reads them."""
import datetime
import sys

import caldav

url, user, password = sys.argv[1:4]
client = caldav.DAVClient(url=url, username=user, password=password)
cal = client.principal().calendars()[0]

UTC = datetime.timezone.utc
day = (datetime.datetime.now(UTC) + datetime.timedelta(days=20)).replace(hour=0, minute=0, second=0, microsecond=0)


def at(days, hour, minute=0):
    return day + datetime.timedelta(days=days, hours=hour, minutes=minute)


def stamp(t):
    return t.strftime("%Y%m%dT%H%M%SZ")


def event(uid, body):
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//interop//EN\r\n" + body.replace("\n", "\r\n") +
            "END:VCALENDAR\r\n").replace("{uid}", uid)


head = "BEGIN:VEVENT\nUID:{uid}\nDTSTAMP:20260101T000000Z\n"
cal.save_event(event("q-exact", head + f"DTSTART:{stamp(at(0, 10))}\nDTEND:{stamp(at(0, 11))}\nSUMMARY:Exact\nEND:VEVENT\n"))
cal.save_event(event("q-allday", head + f"DTSTART;VALUE=DATE:{at(1, 0):%Y%m%d}\nSUMMARY:All day\nTRANSP:TRANSPARENT\nEND:VEVENT\n"))
cal.save_event(event("q-weekly",
                     head + f"DTSTART:{stamp(at(2, 9))}\nDTEND:{stamp(at(2, 11))}\nRRULE:FREQ=WEEKLY;COUNT=4\nSUMMARY:Weekly\nEND:VEVENT\n" +
                     head + f"RECURRENCE-ID:{stamp(at(9, 9))}\nDTSTART:{stamp(at(10, 14))}\nDTEND:{stamp(at(10, 15))}\nSUMMARY:Weekly (moved)\nEND:VEVENT\n"))
outlook = event("q-outlook", """BEGIN:VTIMEZONE
TZID:W. Europe Standard Time
BEGIN:STANDARD
DTSTART:16010101T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE
""" + head + f"""DTSTART;TZID="W. Europe Standard Time":{(at(3, 12) + datetime.timedelta(hours=1)).strftime('%Y%m%dT%H%M%S')}
DURATION:PT1H
SUMMARY:Outlook
END:VEVENT
""")
where = str(cal.url) + "q-outlook.ics"
print("put outlook:", client.request(where, "PUT", outlook, {"Content-Type": "text/calendar; charset=utf-8"}).status, flush=True)


def found(uid, start, end):
    return any(("UID:" + uid) in o.data for o in cal.date_search(start=start, end=end, expand=False))


for name, uid, start, end in [
    ("exact", "q-exact", at(0, 10), at(0, 11)),
    ("ending at the start", "q-exact", at(0, 11), at(0, 12)),
    ("all day", "q-allday", at(1, 12), at(1, 13)),
    ("began before the range", "q-weekly", at(2, 10), at(2, 10, 30)),
    ("old time of the moved", "q-weekly", at(9, 9, 30), at(9, 10)),
    ("new time of the moved", "q-weekly", at(10, 14), at(10, 15)),
    ("outlook at its time", "q-outlook", at(3, 11, 59), at(3, 12, 1)),
    ("outlook an hour later", "q-outlook", at(3, 13, 30), at(3, 14)),
]:
    print(f"{name}: {found(uid, start, end)}", flush=True)
