package main

import (
	"html/template"
	"regexp"
	"strings"
)

// links are the addresses made clickable: http and https only, so that
// nothing a sender writes becomes a javascript: or data: link.
var links = regexp.MustCompile(`https?://[^\s<>"']+[^\s<>"'.,;:!?)]`)

// mentions are "@name" words.
var mentions = regexp.MustCompile(`(^|\s)@([\p{L}\p{N}._-]{2,40})`)

// richText shows plain text as HTML: everything escaped first, then links
// made clickable and mentions of the conversation's people marked; line
// breaks kept by the style.
func richText(body string, names map[int64]string) template.HTML {
	var b strings.Builder
	last := 0
	for _, loc := range links.FindAllStringIndex(body, -1) {
		b.WriteString(marked(body[last:loc[0]], names))
		url := body[loc[0]:loc[1]]
		b.WriteString(`<a href="` + template.HTMLEscapeString(url) + `" rel="noopener noreferrer nofollow" target="_blank">` + template.HTMLEscapeString(url) + `</a>`)
		last = loc[1]
	}
	b.WriteString(marked(body[last:], names))
	return template.HTML(b.String())
}

// marked escapes text and marks mentions of the people named.
func marked(text string, names map[int64]string) string {
	escaped := template.HTMLEscapeString(text)
	return mentions.ReplaceAllStringFunc(escaped, func(m string) string {
		at := strings.Index(m, "@")
		word := strings.ToLower(m[at+1:])
		for _, name := range names {
			first := strings.ToLower(strings.Fields(name + " ")[0])
			if word == first || word == strings.ToLower(strings.ReplaceAll(name, " ", ".")) {
				return m[:at] + `<mark class="mention">` + m[at:] + `</mark>`
			}
		}
		return m
	})
}
