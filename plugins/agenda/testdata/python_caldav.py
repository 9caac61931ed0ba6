#!/usr/bin/python3
"""Walks Atrium's calendar with Debian's python3-caldav, an independent
CalDAV client: discovery from the server's root URL, the calendar, its
events, a time-range search, creating, changing and deleting an event, and
incremental syncs that must carry only what changed. Prints one line per
step ("step: value"); the Go test reads them."""
import datetime
import sys

import caldav

url, user, password = sys.argv[1:4]


def say(step, value):
    print(f"{step}: {value}", flush=True)


client = caldav.DAVClient(url=url, username=user, password=password)
principal = client.principal()
say("principal", principal.url.path)
calendars = principal.calendars()
say("calendars", len(calendars))
cal = calendars[0]
say("calendar", cal.url.path)
say("events", len(cal.events()))
now = datetime.datetime.now(datetime.timezone.utc)
in_range = cal.date_search(start=now - datetime.timedelta(days=1), end=now + datetime.timedelta(days=62), expand=False)
say("in range", len(in_range))
first = cal.objects_by_sync_token(load_objects=False)
say("first sync", len(list(first)))

start = (now + datetime.timedelta(days=3)).replace(hour=12, minute=0, second=0, microsecond=0)
event = cal.save_event(
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//interop//python-caldav//EN\r\n"
    "BEGIN:VEVENT\r\nUID:interop-python-1\r\nDTSTAMP:20260101T000000Z\r\n"
    f"DTSTART:{start:%Y%m%dT%H%M%SZ}\r\nDTEND:{start + datetime.timedelta(hours=1):%Y%m%dT%H%M%SZ}\r\n"
    "SUMMARY:Dentist\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)
say("created", event.url.path)
after_create = cal.objects_by_sync_token(sync_token=first.sync_token, load_objects=False)
say("changed since first", ",".join(sorted(o.url.path for o in after_create)))

event.load()
event.data = event.data.replace("SUMMARY:Dentist", "SUMMARY:Dentist (moved)")
event.save()
after_change = cal.objects_by_sync_token(sync_token=after_create.sync_token, load_objects=True)
say("changed since create", ",".join(sorted(o.url.path for o in after_change)))
fetched = cal.event_by_uid("interop-python-1")
say("fetched summary", "Dentist (moved)" in fetched.data)

# Preconditions (RFC 7232): a stale ETag changes nothing, on PUT or DELETE;
# If-None-Match: * refuses to overwrite; the current ETag deletes.
where = str(fetched.url)
current = client.request(where, "GET").headers.get("etag")
say("stale delete", client.request(where, "DELETE", "", {"If-Match": '"stale"'}).status)
say("stale put", client.request(where, "PUT", fetched.data.replace("(moved)", "(lost)"),
                                {"If-Match": '"stale"', "Content-Type": "text/calendar"}).status)
say("overwrite refused", client.request(where, "PUT", fetched.data, {"If-None-Match": "*", "Content-Type": "text/calendar"}).status)
say("kept after stale", "Dentist (moved)" in cal.event_by_uid("interop-python-1").data)
say("current delete", client.request(where, "DELETE", "", {"If-Match": current}).status)
after_delete = cal.objects_by_sync_token(sync_token=after_change.sync_token, load_objects=False)
say("changed since change", ",".join(sorted(o.url.path for o in after_delete)))
say("events at the end", len(cal.events()))
