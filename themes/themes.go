// Package themes holds the looks Atrium ships, embedded in the binary. A theme
// is a folder with layouts/, partials/, pages/, errors/ and static/.
package themes

import "embed"

// Files holds every shipped theme, one folder each.
//
//go:embed all:default
var Files embed.FS
