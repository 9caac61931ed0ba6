package caldav

import (
	"mime"
	"net/http"
	"strings"

	"github.com/emersion/go-webdav"
	"github.com/emersion/go-webdav/caldav"
)

// put stores a calendar object. It is answered here rather than by
// go-webdav, whose PUT answers 201 also when it replaced an object (RFC
// 7231 asks 204), takes only exactly "text/calendar", and says no failed
// precondition by name (RFC 4791 §5.3.2.1: calendar apps read the
// element, such as no-uid-conflict, not the text).
func (h *Handler) put(w http.ResponseWriter, r *http.Request, body []byte, existed bool) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		t, _, err := mime.ParseMediaType(ct)
		if err != nil || !strings.EqualFold(t, "text/calendar") {
			davError(w, http.StatusForbidden, "supported-calendar-data", "this calendar takes iCalendar objects (text/calendar), not "+ct)
			return
		}
	}
	cal, err := Decode(body)
	if err != nil {
		davError(w, http.StatusBadRequest, "valid-calendar-data", err.Error())
		return
	}
	obj, err := h.store.PutCalendarObject(r.Context(), r.URL.Path, cal, &caldav.PutCalendarObjectOptions{
		IfMatch: webdav.ConditionalMatch(r.Header.Get("If-Match")), IfNoneMatch: webdav.ConditionalMatch(r.Header.Get("If-None-Match"))})
	if err != nil {
		serveError(w, err)
		return
	}
	if obj.ETag != "" {
		w.Header().Set("ETag", `"`+obj.ETag+`"`)
	}
	if !obj.ModTime.IsZero() {
		w.Header().Set("Last-Modified", obj.ModTime.UTC().Format(http.TimeFormat))
	}
	if existed {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	w.Header().Set("Location", obj.Path)
	w.WriteHeader(http.StatusCreated)
}
