package sdk

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
)

// HTTP serves a protocol endpoint with a standard http.Handler (a CalDAV or
// WebDAV server from a library): the request becomes an *http.Request whose
// context carries the Request (RequestFrom gives it back, for the database
// and the host), and what the handler writes becomes the answer.
// Since contract v1.3.
func HTTP(h http.Handler) HandlerFunc {
	return func(r *Request) error {
		u := &url.URL{Path: r.Path, RawQuery: r.Query.Encode()}
		hr, err := http.NewRequestWithContext(context.WithValue(r.Context, requestKey{}, r), r.Method, u.String(), bytes.NewReader(r.Body))
		if err != nil {
			return err
		}
		hr.RequestURI = u.RequestURI()
		for name, value := range r.Header {
			hr.Header.Set(name, value)
		}
		hr.ContentLength = int64(len(r.Body))
		w := &answer{header: http.Header{}}
		h.ServeHTTP(w, hr)
		if w.status == 0 {
			w.status = http.StatusOK
		}
		for name := range w.header {
			r.SetHeader(name, w.header.Get(name))
		}
		return r.Raw(w.status, w.header.Get("Content-Type"), w.body.Bytes())
	}
}

type requestKey struct{}

// RequestFrom is the Request an HTTP handler serves, from its context.
// Since contract v1.3.
func RequestFrom(ctx context.Context) (*Request, bool) {
	r, ok := ctx.Value(requestKey{}).(*Request)
	return r, ok
}

// answer collects what an http.Handler writes.
type answer struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (a *answer) Header() http.Header { return a.header }

func (a *answer) WriteHeader(status int) {
	if a.status == 0 {
		a.status = status
	}
}

func (a *answer) Write(p []byte) (int, error) {
	if a.status == 0 {
		a.status = http.StatusOK
	}
	return a.body.Write(p)
}
