package identity

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"runtime"
	"strings"
	"unicode"

	"github.com/trustelem/zxcvbn/frequency"
	"golang.org/x/crypto/argon2"

	"github.com/atriumhq/atrium/core/config"
)

// Rule is one requirement of the password policy; its ID is the message id of
// its explanation (identity.password.rule.<id>).
type Rule struct {
	ID   string
	Args map[string]any
	Met  bool
}

// Policy checks new passwords against the configured rules.
type Policy struct {
	cfg config.Identity
}

// common holds the shipped list of common passwords (the zxcvbn frequency
// list, some 30,000 entries), lower case.
var common = func() map[string]bool {
	m := make(map[string]bool, len(frequency.FrequencyLists["passwords"]))
	for _, p := range frequency.FrequencyLists["passwords"] {
		m[p] = true
	}
	return m
}()

// Check returns every rule with whether the password meets it. The history
// rule is checked separately (it needs the stored hashes).
func (p Policy) Check(password, email string) []Rule {
	classes := 0
	var lower, upper, digit, other bool
	for _, r := range password {
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		default:
			other = true
		}
	}
	for _, b := range []bool{lower, upper, digit, other} {
		if b {
			classes++
		}
	}
	return []Rule{
		{ID: "length", Args: map[string]any{"Min": p.cfg.PasswordMinLength}, Met: len([]rune(password)) >= p.cfg.PasswordMinLength},
		{ID: "classes", Args: map[string]any{"Classes": p.cfg.PasswordClasses}, Met: classes >= p.cfg.PasswordClasses},
		{ID: "name", Met: !containsLogin(password, email)},
		{ID: "common", Met: password != "" && !IsCommon(password)},
	}
}

// Failed returns the ids of the rules a password breaks.
func Failed(rules []Rule) []Rule {
	var out []Rule
	for _, r := range rules {
		if !r.Met {
			out = append(out, r)
		}
	}
	return out
}

// containsLogin: the password must not contain the login or the part of the
// address before the @ (when that part is long enough to mean something).
func containsLogin(password, email string) bool {
	pw, email := strings.ToLower(password), NormalizeEmail(email)
	if email == "" {
		return false
	}
	local, _, _ := strings.Cut(email, "@")
	if strings.Contains(pw, email) {
		return true
	}
	for _, part := range append([]string{local}, strings.FieldsFunc(local, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })...) {
		if len(part) >= 3 && strings.Contains(pw, part) {
			return true
		}
	}
	return false
}

// IsCommon tells whether a password is a common one, also when it is a common
// word dressed up with capitals, digits and marks around it ("Football2024!").
func IsCommon(password string) bool {
	pw := strings.ToLower(password)
	if common[pw] {
		return true
	}
	core := strings.TrimFunc(pw, func(r rune) bool { return !unicode.IsLetter(r) })
	core = strings.Map(func(r rune) rune {
		switch r { // undo the usual substitutions
		case '0':
			return 'o'
		case '1', '!':
			return 'i'
		case '3':
			return 'e'
		case '4', '@':
			return 'a'
		case '5', '$':
			return 's'
		case '7':
			return 't'
		}
		return r
	}, core)
	return len(core) >= 4 && common[core] && len([]rune(core)) >= len([]rune(pw))/2
}

// Hasher hashes passwords with argon2id in PHC string form, so that the
// parameters travel with each hash and a change of parameters can be applied
// at the next sign-in.
type Hasher struct {
	memory  uint32
	time    uint32
	threads uint8
	// slots caps the hashes computed at once: each holds argon2_memory_kib,
	// and a burst of sign-ins would otherwise take the whole machine's
	// memory. Those beyond the cap wait their turn.
	slots chan struct{}
}

// NewHasher takes the parameters from configuration.
func NewHasher(cfg config.Identity) Hasher {
	n := cfg.PasswordChecksAtOnce
	if n <= 0 {
		n = runtime.NumCPU()
	}
	return Hasher{memory: uint32(cfg.Argon2MemoryKiB), time: uint32(cfg.Argon2Time), threads: uint8(cfg.Argon2Threads),
		slots: make(chan struct{}, n)}
}

// argon2id is one hash computation, in its turn.
func (h Hasher) argon2id(password, salt []byte, time, memory uint32, threads uint8, length uint32) []byte {
	h.slots <- struct{}{}
	defer func() { <-h.slots }()
	return argon2.IDKey(password, salt, time, memory, threads, length)
}

// Hash returns the PHC string of password with a fresh salt.
func (h Hasher) Hash(password string) string {
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	key := h.argon2id([]byte(password), salt, h.time, h.memory, h.threads, 32)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, h.memory, h.time, h.threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// Verify checks password against a PHC string. stale reports that the hash
// was made with other parameters than the configured ones.
func (h Hasher) Verify(password, encoded string) (ok, stale bool) {
	var version int
	var memory, time uint32
	var threads uint8
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, false
	}
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &time, &threads); err != nil {
		return false, false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false, false
	}
	got := h.argon2id([]byte(password), salt, time, memory, threads, uint32(len(want)))
	ok = subtle.ConstantTimeCompare(got, want) == 1
	return ok, memory != h.memory || time != h.time || threads != h.threads
}
