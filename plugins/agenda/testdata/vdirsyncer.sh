#!/bin/sh
# Syncs Atrium's calendar with a folder through vdirsyncer (Debian's
# package), an independent CalDAV client that lists by etag and fetches with
# calendar-multiget: discover, sync down, add an event in the folder and
# sync it up and change it (phase "up"), then delete it (phase "delete");
# or discover and sync down alone (phase "down"), then change the event
# bench-00001 in the folder and sync both ways (phase "again").
# Prints "step: value" lines.
set -eu
url=$1 user=$2 pass=$3 dir=$4 phase=$5
export VDIRSYNCER_CONFIG="$dir/config"
if [ "$phase" = again ]; then
	coll=$(ls "$dir/local")
	sed -i 's/SUMMARY:Meeting 1$/SUMMARY:Meeting 1 (changed in the folder)/; s/SUMMARY:Meeting 1\r$/SUMMARY:Meeting 1 (changed in the folder)\r/' "$dir/local/$coll/bench-00001.ics"
	start=$(date +%s.%N)
	vdirsyncer sync atrium >/dev/null 2>&1
	echo "synced again: ok"
	echo "again seconds: $(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $start }")"
	exit 0
fi
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
start=$(date +%s.%N)
vdirsyncer sync atrium >/dev/null 2>&1
coll=$(ls "$dir/local")
echo "collection: $coll"
echo "fetched: $(ls "$dir/local/$coll" | wc -l)"
echo "first sync seconds: $(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $start }")"
[ "$phase" = down ] && exit 0
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
