// Package locales holds the core's messages, one go-i18n TOML file per
// language, embedded in the binary. English and Dutch are complete; a test in
// core/i18n keeps them so.
package locales

import "embed"

// Files are the message files, named <language>.toml.
//
//go:embed *.toml
var Files embed.FS
