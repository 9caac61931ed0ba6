package files

import (
	"mime"
	"slices"
	"strings"

	"github.com/gabriel-vasile/mimetype"
)

// Kinds name the groups of types a use accepts, so a module says "image"
// or "document" rather than listing types. A use may also name a type
// itself (such as "text/html"); none accepts SVG or HTML unless it names
// them, for both can carry scripts.
var Kinds = map[string][]string{
	"image": {"image/png", "image/jpeg", "image/gif", "image/webp"},
	"pdf":   {"application/pdf"},
	"text":  {"text/plain", "text/csv"},
	"document": {
		"application/pdf", "text/plain", "text/csv", "application/rtf",
		"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
		"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
		"application/vnd.openxmlformats-officedocument.presentationml.presentation",
		"application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
		"application/vnd.oasis.opendocument.presentation",
		"application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
	},
	"audio":   {"audio/mpeg", "audio/mp4", "audio/ogg", "audio/wav", "audio/webm"},
	"video":   {"video/mp4", "video/webm", "video/quicktime"},
	"archive": {"application/zip"},
}

// DefaultKinds are what a use that names none accepts.
var DefaultKinds = []string{"image", "document", "audio", "video", "archive"}

// sniffBytes is how much of a file its type is read from.
const sniffBytes = 3072

// detect reads a file's type from its first bytes, never its name: a
// script renamed report.pdf is what its bytes say. It gives the type
// without parameters (for the allow list) and the full one to serve.
func detect(head []byte) (base, full string) {
	t := mimetype.Detect(head)
	full = t.String()
	base, _, err := mime.ParseMediaType(full)
	if err != nil {
		base = strings.ToLower(strings.TrimSpace(strings.SplitN(full, ";", 2)[0]))
	}
	return base, full
}

// Accepts tells whether a use that accepts the kinds or types named in
// accept takes a file of type base.
func Accepts(accept []string, base string) bool {
	if len(accept) == 0 {
		accept = DefaultKinds
	}
	for _, a := range accept {
		if a == base || slices.Contains(Kinds[a], base) {
			return true
		}
	}
	return false
}

// ValidAccept tells whether each name is a kind or a type.
func ValidAccept(accept []string) bool {
	for _, a := range accept {
		if _, ok := Kinds[a]; !ok && !strings.Contains(a, "/") {
			return false
		}
	}
	return true
}

// Inline tells whether a file of this type may be shown in the browser
// rather than downloaded: images, PDFs, plain text, sound and film, and
// HTML (which the sandboxing policy keeps from running). Anything else is
// always a download.
func Inline(base string) bool {
	switch {
	case slices.Contains(Kinds["image"], base), base == "application/pdf", base == "text/plain", base == "text/html",
		slices.Contains(Kinds["audio"], base), slices.Contains(Kinds["video"], base):
		return true
	}
	return false
}
