package caldav

import (
	"net/http"
	"strings"
)

// preconditions answers 412 and says false when the request's If-Match or
// If-None-Match does not hold for the object at its path as it is now (RFC
// 7232 §3, RFC 4791 §5.3.2); it says too whether the object exists. They
// are judged here, where every request arrives: go-webdav passes them to a
// PUT's backend only, and a DELETE with a stale ETag deleted the object
// (or cancelled the appointment) a calendar app had not seen change.
func (h *Handler) preconditions(w http.ResponseWriter, r *http.Request) (exists, ok bool) {
	etag := ""
	switch obj, err := h.store.GetCalendarObject(r.Context(), r.URL.Path, nil); {
	case err == nil:
		etag, exists = obj.ETag, true
	case statusOf(err) != http.StatusNotFound:
		serveError(w, err)
		return false, false
	}
	ifMatch, ifNoneMatch := r.Header.Values("If-Match"), r.Header.Values("If-None-Match")
	switch {
	case len(ifMatch) > 0 && !matches(ifMatch, etag):
		davError(w, http.StatusPreconditionFailed, "", "the object has changed since it was read, or is not there (If-Match)")
		return exists, false
	case len(ifNoneMatch) > 0 && matches(ifNoneMatch, etag):
		davError(w, http.StatusPreconditionFailed, "", "the object is there (If-None-Match)")
		return exists, false
	}
	return exists, true
}

// matches tells whether a conditional header's entity tags name the
// object's ("" when there is none): "*" names any object, a list names
// each of its tags, compared strongly (a weak tag names nothing written).
func matches(header []string, etag string) bool {
	if etag == "" {
		return false
	}
	for _, h := range header {
		for _, tag := range strings.Split(h, ",") {
			tag = strings.TrimSpace(tag)
			if tag == "*" || tag == `"`+etag+`"` {
				return true
			}
		}
	}
	return false
}
