package identity

import (
	"crypto/subtle"
	"strings"

	"github.com/atriumhq/atrium/core/secrets"
)

// A device token marks a browser in which an account completed both sign-in
// steps. Attempts from such a browser are counted on a key of their own, so
// that someone who knows only the address, failing again and again from
// elsewhere, can slow down and lock out unknown browsers but never the
// owner's own (docs/security.md). The token is the browser's random id and
// a keyed digest binding it to the account's address and its password
// (the salted hash, new with every password): nothing is stored, a new
// password (a reset after a theft) makes every earlier token unknown, and
// a token grants nothing but that separate count.

// DeviceToken is a new device token for a browser that just signed in to
// the account.
func (s *Service) DeviceToken(u *User) string {
	id := secrets.Token(16)
	return id + "." + s.deviceDigest(u, id)
}

func (s *Service) deviceDigest(u *User, id string) string {
	return s.box.Digest("device:" + NormalizeEmail(u.Email) + ":" + secrets.Hash(u.PasswordHash) + ":" + id)
}

// knownDevice gives the browser's id when its token was issued for the
// account (nil: an address without one) as it is now, "" otherwise.
func (s *Service) knownDevice(u *User, token string) string {
	id, mac, ok := strings.Cut(token, ".")
	if u == nil || !ok || id == "" || len(id) > 64 {
		return ""
	}
	if subtle.ConstantTimeCompare([]byte(mac), []byte(s.deviceDigest(u, id))) != 1 {
		return ""
	}
	return id
}

// KnowsDevice tells whether a device token was issued for the account as
// it is now.
func (s *Service) KnowsDevice(u *User, token string) bool { return s.knownDevice(u, token) != "" }

// attemptKeys are the throttle keys of one try at an account's secret (u
// nil: an address without an account): the browser's own key when the
// account knows it, the address's and the account's otherwise. step tells
// the password from the code step.
func (s *Service) attemptKeys(step string, u *User, email, device, ip string) (keys []string, known bool) {
	if id := s.knownDevice(u, device); id != "" {
		return []string{step + "-device:" + id}, true
	}
	return []string{step + ":" + NormalizeEmail(email), "address:" + ip}, false
}
