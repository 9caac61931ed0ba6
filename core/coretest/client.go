package coretest

import (
	"bytes"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

var errNoCSRF = errors.New("coretest: no CSRF cookie yet; GET a page first")

// Client is a browser-like HTTP client for one test: it keeps cookies, does
// not follow redirects (tests look at them), and parses HTML answers.
type Client struct {
	t    testing.TB
	base string
	http *http.Client
}

// Response is one answer, with its body parsed when it is HTML.
type Response struct {
	*http.Response
	Body string
	Doc  *goquery.Document
}

// Client returns a new client of the App with an empty cookie jar.
func (a *App) Client(t testing.TB) *Client { return NewClient(t, a.URL) }

// NewClient returns a client of a server at base, such as one a test started
// as a separate process.
func NewClient(t testing.TB, base string) *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{t: t, base: base, http: &http.Client{
		Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}}
}

// On is the same browser (its cookies) talking to another instance of the
// installation, as behind a load balancer.
func (c *Client) On(a *App) *Client {
	return &Client{t: c.t, base: a.URL, http: c.http}
}

// Get fetches path with optional header pairs ("HX-Request", "true", …).
func (c *Client) Get(path string, headers ...string) *Response {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.base+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.Do(req, headers...)
}

// PostForm sends a form as a browser would, with this client's CSRF token
// unless the form sets _csrf itself.
func (c *Client) PostForm(path string, form url.Values, headers ...string) *Response {
	c.t.Helper()
	if !form.Has("_csrf") {
		form.Set("_csrf", c.CSRF())
	}
	req, err := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.Do(req, headers...)
}

// PostFile sends a multipart form with one file, as a browser's upload would.
func (c *Client) PostFile(path string, form url.Values, field, filename string, data []byte) *Response {
	c.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	if !form.Has("_csrf") {
		form.Set("_csrf", c.CSRF())
	}
	for k, vs := range form {
		for _, v := range vs {
			_ = w.WriteField(k, v)
		}
	}
	fw, _ := w.CreateFormFile(field, filename)
	_, _ = fw.Write(data)
	_ = w.Close()
	req, err := http.NewRequest(http.MethodPost, c.base+path, &body)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	return c.Do(req)
}

// CSRF is the token the server gave this client.
func (c *Client) CSRF() string {
	u, _ := url.Parse(c.base)
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == "atrium_csrf" {
			return ck.Value
		}
	}
	c.t.Fatal(errNoCSRF)
	return ""
}

// CookieHeader is the Cookie header this client would send, for handing a
// signed-in session to a load generator.
func (c *Client) CookieHeader() string {
	u, _ := url.Parse(c.base)
	var parts []string
	for _, ck := range c.http.Jar.Cookies(u) {
		parts = append(parts, ck.Name+"="+ck.Value)
	}
	return strings.Join(parts, "; ")
}

// Do sends req with optional header pairs.
func (c *Client) Do(req *http.Request, headers ...string) *Response {
	c.t.Helper()
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i] == "Host" {
			req.Host = headers[i+1] // Go sends req.Host, never a Host header
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	out := &Response{Response: res, Body: string(body)}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		out.Doc, err = goquery.NewDocumentFromReader(bytes.NewReader(body))
		if err != nil {
			c.t.Fatal(err)
		}
	}
	return out
}

// Text is the trimmed text of the first element matching selector.
func (r *Response) Text(selector string) string {
	if r.Doc == nil {
		return ""
	}
	return strings.TrimSpace(r.Doc.Find(selector).First().Text())
}

// Attr is an attribute of the first element matching selector ("" when
// there is none).
func (r *Response) Attr(selector, name string) string {
	if r.Doc == nil {
		return ""
	}
	v, _ := r.Doc.Find(selector).First().Attr(name)
	return v
}
