package web

import (
	"strings"

	"github.com/gofiber/fiber/v3"
	"github.com/valyala/fasthttp"
)

// compression compresses answers (brotli or gzip, as the browser takes
// them) at the fastest level: a page or a month of calendar data
// compresses nearly as well, at a third of the processor time of the
// default. It leaves alone what skip names and every streamed answer: a
// file being sent passes as it is, for reading it here would hold it whole
// in memory, and its length, ranges and entity tag are of its own bytes.
func compression(skip func(fiber.Ctx) bool) fiber.Handler {
	compress := fasthttp.CompressHandlerBrotliLevel(func(*fasthttp.RequestCtx) {}, fasthttp.CompressBrotliBestSpeed, fasthttp.CompressBestSpeed)
	return func(c fiber.Ctx) error {
		if skip(c) {
			return c.Next()
		}
		if err := c.Next(); err != nil {
			return err
		}
		resp := c.Response()
		status := resp.StatusCode()
		if c.Method() == fiber.MethodHead || resp.IsBodyStream() || status < 200 || status == fiber.StatusNoContent ||
			status == fiber.StatusNotModified || status == fiber.StatusPartialContent ||
			len(resp.Header.Peek(fiber.HeaderContentEncoding)) > 0 || len(resp.Body()) == 0 {
			varyOnEncoding(c)
			return nil
		}
		compress(c.RequestCtx())
		// The entity tag named the bytes before compression: what is sent
		// now is only equivalent to them.
		if tag := c.GetRespHeader(fiber.HeaderETag); tag != "" && !strings.HasPrefix(tag, "W/") && len(resp.Header.Peek(fiber.HeaderContentEncoding)) > 0 {
			c.Set(fiber.HeaderETag, "W/"+tag)
		}
		varyOnEncoding(c)
		return nil
	}
}

// varyOnEncoding tells caches that the answer depends on Accept-Encoding.
func varyOnEncoding(c fiber.Ctx) {
	vary := c.GetRespHeader(fiber.HeaderVary)
	switch {
	case vary == "":
		c.Set(fiber.HeaderVary, fiber.HeaderAcceptEncoding)
	case !strings.Contains(strings.ToLower(vary), "accept-encoding") && vary != "*":
		c.Set(fiber.HeaderVary, vary+", "+fiber.HeaderAcceptEncoding)
	}
}
