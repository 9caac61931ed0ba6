package identity_test

import (
	"testing"

	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/identity"
)

func TestPasswordPolicyRules(t *testing.T) {
	t.Parallel()
	cfg := config.Default()
	policy := identity.NewService(nil, cfg, nil, nil, nil, nil, identity.Hooks{}).Policy()
	cases := []struct {
		password string
		broken   []string
	}{
		{"Tulip-Harbour-93", nil},
		{"Sh0rt!pass", []string{"length"}},
		{"alllowercaseletters", []string{"classes"}},
		{"ALLUPPER1234567", nil}, // upper + digits = 2 classes … plus none: see below
		{"sam.jansen-Harbour9", []string{"name"}},
		{"Harbour-sam@example.org", []string{"name"}},
		{"Football2024!", []string{"common"}},
		{"P@ssw0rd12345", []string{"common"}},
		{"", []string{"length", "classes", "common"}},
	}
	cases[3].broken = []string{"classes"}
	for _, tc := range cases {
		var got []string
		for _, r := range identity.Failed(policy.Check(tc.password, "sam.jansen@example.org")) {
			got = append(got, r.ID)
		}
		if len(got) != len(tc.broken) {
			t.Errorf("%q broke %v, want %v", tc.password, got, tc.broken)
			continue
		}
		for i := range got {
			if got[i] != tc.broken[i] {
				t.Errorf("%q broke %v, want %v", tc.password, got, tc.broken)
			}
		}
	}
}

func TestArgon2HashesCarryTheirParameters(t *testing.T) {
	t.Parallel()
	cfg := config.Default().Identity
	cfg.Argon2MemoryKiB, cfg.Argon2Time = 8*1024, 1
	old := identity.NewHasher(cfg)
	hash := old.Hash("Tulip-Harbour-93")
	if ok, stale := old.Verify("Tulip-Harbour-93", hash); !ok || stale {
		t.Fatalf("verify = %v, stale %v", ok, stale)
	}
	if ok, _ := old.Verify("tulip-harbour-93", hash); ok {
		t.Fatal("wrong password accepted")
	}
	cfg.Argon2MemoryKiB = 16 * 1024
	if ok, stale := identity.NewHasher(cfg).Verify("Tulip-Harbour-93", hash); !ok || !stale {
		t.Fatalf("after a parameter change: ok %v stale %v", ok, stale)
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=1,t=1,p=1$c2FsdA$aGFzaA", "$argon2id$v=19$m=x$a$b", "plain"} {
		if ok, _ := old.Verify("x", bad); ok {
			t.Errorf("accepted %q", bad)
		}
	}
}
