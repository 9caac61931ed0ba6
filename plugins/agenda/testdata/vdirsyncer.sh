#!/bin/sh
# Syncs Atrium's calendar with a folder through vdirsyncer (Debian's
# package), an independent CalDAV client that lists by etag and fetches with
# calendar-multiget: discover, sync down, add an event in the folder and
# sync it up and change it (phase "up"), then delete it (phase "delete").
# Prints "step: value" lines.
set -eu
url=$1 user=$2 pass=$3 dir=$4 phase=$5
export VDIRSYNCER_CONFIG="$dir/config"
if [ "$phase" = delete ]; then
	coll=$(ls "$dir/local")
	rm "$dir/local/$coll/vdir-1.ics"
	vdirsyncer sync atrium >/dev/null 2>&1
	echo "deleted: ok"
	exit 0
fi
mkdir -p "$dir/local" "$dir/status"
cat > "$dir/config" <<CONF
[general]
status_path = "$dir/status"

[pair atrium]
a = "atrium_remote"
b = "atrium_local"
collections = ["from a"]

[storage atrium_remote]
type = "caldav"
url = "$url"
username = "$user"
password = "$pass"

[storage atrium_local]
type = "filesystem"
path = "$dir/local"
fileext = ".ics"
CONF
yes | vdirsyncer discover atrium >/dev/null 2>&1
vdirsyncer sync atrium >/dev/null 2>&1
coll=$(ls "$dir/local")
echo "collection: $coll"
echo "fetched: $(ls "$dir/local/$coll" | wc -l)"
cat > "$dir/local/$coll/vdir-1.ics" <<ICS
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//interop//vdirsyncer//EN
BEGIN:VEVENT
UID:interop-vdir-1
DTSTAMP:20260101T000000Z
DTSTART:20301201T090000Z
DTEND:20301201T100000Z
SUMMARY:Team day
END:VEVENT
END:VCALENDAR
ICS
vdirsyncer sync atrium >/dev/null 2>&1
echo "uploaded: ok"
sed -i 's/SUMMARY:Team day/SUMMARY:Team day (later)/' "$dir/local/$coll/vdir-1.ics"
vdirsyncer sync atrium >/dev/null 2>&1
echo "changed: ok"
