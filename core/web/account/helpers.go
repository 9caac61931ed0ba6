package account

import (
	"net/url"
	"strconv"
)

func itoa(n int) string         { return strconv.Itoa(n) }
func urlEscape(s string) string { return url.QueryEscape(s) }
func parseID(s string) (int64, bool) {
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}
