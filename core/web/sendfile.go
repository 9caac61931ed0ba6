package web

import (
	"context"
	"fmt"
	"io"
	"mime"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v3"

	"github.com/atriumhq/atrium/core/files"
)

// filePolicy is the Content-Security-Policy every file is sent under: a
// sandbox (a unique origin, no scripts, no forms, no plugins), so an HTML
// page or SVG someone uploaded can never act in the portal's origin, and
// nothing it names is fetched but the portal's own images and media.
const filePolicy = "sandbox; default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'"

// SendFile sends a stored file: inline where asked and its type is one a
// browser only shows (images, PDFs, text, sound, film, and HTML under the
// sandbox), else as a download under its own name. It answers Range
// requests (one range; several get the whole file, as RFC 9110 allows),
// conditional ones on its strong entity tag (the SHA-256 of its bytes)
// and HEAD, and streams the bytes without holding them.
func SendFile(c fiber.Ctx, svc *files.Service, f *files.File, inline bool) error {
	h := &c.Response().Header
	h.Set(fiber.HeaderContentSecurityPolicy, filePolicy)
	h.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	// Each request asks again: whether one may read it is decided per request.
	h.Set(fiber.HeaderCacheControl, "private, no-cache")
	h.Set(fiber.HeaderETag, f.ETag())
	h.Set(fiber.HeaderAcceptRanges, "bytes")
	h.Set(fiber.HeaderContentType, f.ContentType)
	base, _, _ := mime.ParseMediaType(f.ContentType)
	h.Set(fiber.HeaderContentDisposition, disposition(inline && files.Inline(base), f.Name))
	if matches(c.Get(fiber.HeaderIfNoneMatch), f.ETag()) {
		return c.SendStatus(fiber.StatusNotModified)
	}
	offset, length, partial, ok := byteRange(c.Get(fiber.HeaderRange), c.Get(fiber.HeaderIfRange), f)
	if !ok {
		h.Set(fiber.HeaderContentRange, fmt.Sprintf("bytes */%d", f.Size))
		return c.SendStatus(fiber.StatusRequestedRangeNotSatisfiable)
	}
	status := fiber.StatusOK
	if partial {
		status = fiber.StatusPartialContent
		h.Set(fiber.HeaderContentRange, fmt.Sprintf("bytes %d-%d/%d", offset, offset+length-1, f.Size))
	}
	c.Status(status)
	if c.Method() == fiber.MethodHead {
		h.SetContentLength(int(length))
		c.Response().SkipBody = true
		return nil
	}
	// The bytes outlive the handler (fasthttp sends the stream after it
	// returns), so they are read under a context of their own, which the
	// stream's Close ends.
	ctx, cancel := context.WithCancel(context.WithoutCancel(c.Context()))
	rc, err := svc.Open(ctx, f, offset, length)
	if err != nil {
		cancel()
		return err
	}
	return c.SendStream(closing{rc, cancel}, int(length))
}

// closing ends a stream's context when fasthttp closes the stream.
type closing struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c closing) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}

// disposition names the file for the browser: an ASCII fallback and the
// real name in RFC 5987 form.
func disposition(inline bool, name string) string {
	kind := "attachment"
	if inline {
		kind = "inline"
	}
	fallback := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == ';' || r == '%' {
			return '_'
		}
		return r
	}, name)
	return fmt.Sprintf(`%s; filename="%s"; filename*=UTF-8''%s`, kind, fallback, strings.ReplaceAll(url.PathEscape(name), "'", "%27"))
}

// matches tells whether an If-None-Match list names tag.
func matches(list, tag string) bool {
	for t := range strings.SplitSeq(list, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || t == tag || strings.TrimPrefix(t, "W/") == tag {
			return true
		}
	}
	return false
}

// byteRange reads a Range header against the file: the part to send and
// whether it is a part; ok is false for a range beyond the file. A range
// it cannot read, several ranges, or an If-Range that no longer matches
// give the whole file.
func byteRange(header, ifRange string, f *files.File) (offset, length int64, partial, ok bool) {
	whole := func() (int64, int64, bool, bool) { return 0, f.Size, false, true }
	spec, found := strings.CutPrefix(header, "bytes=")
	if !found || strings.Contains(spec, ",") || (ifRange != "" && ifRange != f.ETag()) {
		return whole()
	}
	first, last, found := strings.Cut(strings.TrimSpace(spec), "-")
	if !found {
		return whole()
	}
	if first == "" { // the last n bytes
		n, err := strconv.ParseInt(last, 10, 64)
		if err != nil || n < 0 {
			return whole()
		}
		if n == 0 || f.Size == 0 {
			return 0, 0, false, false
		}
		n = min(n, f.Size)
		return f.Size - n, n, true, true
	}
	start, err := strconv.ParseInt(first, 10, 64)
	if err != nil || start < 0 {
		return whole()
	}
	if start >= f.Size {
		return 0, 0, false, false
	}
	end := f.Size - 1
	if last != "" {
		e, err := strconv.ParseInt(last, 10, 64)
		if err != nil || e < start {
			return whole()
		}
		end = min(e, end)
	}
	return start, end - start + 1, true, true
}
