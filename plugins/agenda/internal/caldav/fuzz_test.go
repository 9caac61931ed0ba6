package caldav

import (
	"encoding/xml"
	"testing"
)

// FuzzRequestBodies feeds the request readers anything: none may panic,
// and what they accept reads the same way again.
func FuzzRequestBodies(f *testing.F) {
	for _, seed := range []string{
		`<?xml version="1.0"?><propfind xmlns="DAV:"><prop><getetag/><displayname/></prop></propfind>`,
		`<propfind xmlns="DAV:"><allprop/></propfind>`,
		`<d:sync-collection xmlns:d="DAV:"><d:sync-token>urn:atrium:sync:12</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>`,
		`<propertyupdate xmlns="DAV:"><set><prop><calendar-color xmlns="http://apple.com/ns/ical/">#FF0000</calendar-color></prop></set><remove><prop><displayname/></prop></remove></propertyupdate>`,
		`<c:calendar-query xmlns:c="urn:ietf:params:xml:ns:caldav"/>`,
		`<c:calendar-multiget xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns="DAV:"><prop><getetag/></prop><href>/a.ics</href></c:calendar-multiget>`,
		`<propfind xmlns="DAV:"><prop><x:a xmlns:x="urn:x"/>`,
		"",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		report := reportName(body)
		var pf propfindRequest
		if decode(body, &pf) == nil {
			names := pf.Prop.names()
			again, err := xml.Marshal(pf)
			if err != nil {
				t.Fatalf("an accepted PROPFIND cannot be written again: %v", err)
			}
			var back propfindRequest
			if err := decode(again, &back); err != nil || len(back.Prop.names()) != len(names) {
				t.Fatalf("a PROPFIND reads differently the second time: %v %d != %d", err, len(back.Prop.names()), len(names))
			}
		}
		var sr syncRequest
		if err := decode(body, &sr); err == nil && sr.XMLName.Local == "sync-collection" && report != sr.XMLName {
			t.Fatalf("a sync-collection the router would not send to sync: %q", body)
		}
		_, _ = parseToken(sr.Token)
		var mg multigetRequest
		if err := decode(body, &mg); err == nil && mg.XMLName.Local == "calendar-multiget" && report != mg.XMLName {
			t.Fatalf("a calendar-multiget the router would not send to multiget: %q", body)
		}
		var pp proppatchRequest
		_ = decode(body, &pp)
	})
}

// FuzzSyncToken: every token parseToken takes is one syncToken gives.
func FuzzSyncToken(f *testing.F) {
	for _, seed := range []string{"", "urn:atrium:sync:0", "urn:atrium:sync:42", "urn:atrium:sync:3-42", "urn:atrium:sync:3--1", "urn:atrium:sync:-1", "http://x/1", "urn:atrium:sync:1-9999999999999999999",
		"urn:atrium:sync:2-7.bench-00001.ics", "urn:atrium:sync:2-7.", "urn:atrium:sync:2-07", "urn:atrium:sync:02-7"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, ok := parseToken(s)
		if ok && (p.Since < 0 || p.Calendar < 0) {
			t.Fatalf("%q gave a negative token", s)
		}
		if ok && s != "" {
			if q, ok2 := parseToken(syncToken(p)); !ok2 || q != p {
				t.Fatalf("%q: %+v does not round-trip", s, p)
			}
		}
	})
}
