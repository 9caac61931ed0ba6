package identity_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/identity"
	"github.com/atriumhq/atrium/core/tenancy"
)

const goodPassword = "Tulip-Harbour-93"

// fixture is an app with an administrator and a clock the test can move.
type fixture struct {
	app   *coretest.App
	ids   *identity.Service
	org   *tenancy.Organisation
	admin *identity.User
	clock time.Time
}

func newFixture(t *testing.T, db config.Database) *fixture {
	t.Helper()
	app := coretest.NewApp(t, db)
	f := &fixture{app: app, ids: app.Identity(), clock: time.Now()}
	f.ids.Now = func() time.Time { return f.clock }
	ctx := context.Background()
	var err error
	if f.org, err = app.Organisations().BySlug(ctx, "harbour"); err != nil {
		t.Fatal(err)
	}
	if f.admin, _, err = f.ids.Seed(ctx, f.org, identity.Invitee{Email: "boss@example.org", GivenName: "Robin", FamilyName: "Boss", Role: access.RoleAdmin}, goodPassword, ""); err != nil {
		t.Fatal(err)
	}
	return f
}

// lastLink reads the newest mail to addr in the outbox and returns its link.
func (f *fixture) lastLink(t *testing.T, addr, path string) string {
	t.Helper()
	list, err := f.app.Mailer().Recent(context.Background(), 50)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range list {
		if m.Recipient == addr {
			link := regexp.MustCompile(`https?://\S*` + path + `(\S+)`).FindStringSubmatch(m.Text)
			if link != nil {
				return link[1]
			}
		}
	}
	t.Fatalf("no mail with %s to %s", path, addr)
	return ""
}

func (f *fixture) invite(t *testing.T, email string) (*identity.User, string) {
	t.Helper()
	u, err := f.ids.Invite(context.Background(), f.admin, f.org, identity.Invitee{Email: email, GivenName: "Sam", FamilyName: "Jansen", Role: access.RoleCoachee}, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	return u, f.lastLink(t, identity.NormalizeEmail(email), "/invitation/")
}

func TestInvitationLinkIsSingleUseAndExpires(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		f := newFixture(t, db)
		ctx := context.Background()
		u, token := f.invite(t, "Sam@Example.org ")
		if u.Email != "sam@example.org" || u.Status != identity.StatusInvited {
			t.Fatalf("invited: %+v", u)
		}
		// Bad input changes nothing: weak password, mismatch, no terms.
		_, err := f.ids.AcceptInvitation(ctx, token, "weak", "weak", false, "ip")
		var inv *identity.Invalid
		if !errors.As(err, &inv) || inv.FieldErrors()["password"] == "" || inv.FieldErrors()["terms"] == "" {
			t.Fatalf("weak password and no terms: %v", err)
		}
		if _, err := f.ids.AcceptInvitation(ctx, token, goodPassword, goodPassword+"x", true, "ip"); !errors.As(err, &inv) || inv.FieldErrors()["confirm"] == "" {
			t.Fatalf("mismatch: %v", err)
		}
		if got, _ := f.ids.ByID(ctx, u.ID); got.Status != identity.StatusInvited || got.PasswordHash != "" {
			t.Fatal("a refused form changed the account")
		}
		if _, err := f.ids.AcceptInvitation(ctx, token, goodPassword, goodPassword, true, "ip"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.ids.AcceptInvitation(ctx, token, goodPassword, goodPassword, true, "ip"); !errors.Is(err, identity.ErrLinkUsed) {
			t.Fatalf("reused link: %v", err)
		}
		// A second invitation, left for 73 hours.
		_, late := f.invite(t, "kim@example.org")
		f.clock = f.clock.Add(73 * time.Hour)
		if _, _, err := f.ids.Invitation(ctx, late); !errors.Is(err, identity.ErrLinkExpired) {
			t.Fatalf("expired link: %v", err)
		}
		if _, _, err := f.ids.Invitation(ctx, "nonsense"); !errors.Is(err, identity.ErrLinkInvalid) {
			t.Fatalf("unknown link: %v", err)
		}
		// Inviting an existing member again is refused; bad addresses too.
		if _, err := f.ids.Invite(ctx, f.admin, f.org, identity.Invitee{Email: "sam@example.org", GivenName: "S", FamilyName: "J", Role: access.RoleCoachee}, "ip"); !errors.Is(err, identity.ErrAlreadyMember) {
			t.Errorf("double invitation: %v", err)
		}
		if _, err := f.ids.Invite(ctx, f.admin, f.org, identity.Invitee{Email: "not-an-address", Role: "wizard"}, "ip"); !errors.As(err, &inv) || len(inv.FieldErrors()) != 4 {
			t.Errorf("bad invitee: %v", err)
		}
	})
}

// TestSignInThrottlesLocksAndUnlocks follows the design in docs/security.md:
// failures from browsers the account does not know slow down and then lock
// such sign-ins; the owner's own browser goes on; an administrator's unlock
// or a password reset through the mailbox lifts the lock.
func TestSignInThrottlesLocksAndUnlocks(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		f := newFixture(t, db)
		ctx := context.Background()
		cfg := f.ids.Config()
		if _, err := f.ids.SignIn(ctx, "boss@example.org", goodPassword, "", "10.0.0.1"); err != nil {
			t.Fatal(err)
		}
		// The browser the owner signed in on before.
		own := f.ids.DeviceToken(f.admin)
		// Unknown and known accounts fail the same way.
		_, errUnknown := f.ids.SignIn(ctx, "nobody@example.org", goodPassword, "", "10.0.0.9")
		_, errWrong := f.ids.SignIn(ctx, "boss@example.org", "wrong", "", "10.0.0.8")
		if !errors.Is(errUnknown, identity.ErrBadCredentials) || !errors.Is(errWrong, identity.ErrBadCredentials) {
			t.Fatalf("unknown %v, wrong %v", errUnknown, errWrong)
		}
		// Failures past the threshold make the next try wait.
		for i := 1; i < cfg.ThrottleAfter; i++ {
			_, _ = f.ids.SignIn(ctx, "boss@example.org", "wrong", "", "10.0.0.8")
		}
		var th *identity.Throttled
		if _, err := f.ids.SignIn(ctx, "boss@example.org", goodPassword, "", "10.0.0.7"); !errors.As(err, &th) || th.Wait <= 0 {
			t.Fatalf("throttled even with the right password: %v", err)
		}
		// The owner's browser has a count of its own.
		if _, err := f.ids.SignIn(ctx, "boss@example.org", goodPassword, own, "10.0.0.7"); err != nil {
			t.Fatalf("the owner's browser is throttled by others' failures: %v", err)
		}
		// Keep failing (waiting out each pause) until the lockout.
		lock := func() {
			t.Helper()
			for i := 0; ; i++ {
				f.clock = f.clock.Add(20 * time.Minute)
				_, err := f.ids.SignIn(ctx, "boss@example.org", "wrong", "", "10.0.0.8")
				if !errors.Is(err, identity.ErrBadCredentials) {
					t.Fatalf("failure %d: %v", i+1, err)
				}
				if u, _ := f.ids.ByID(ctx, f.admin.ID); u.Locked() {
					return
				}
				if i > cfg.LockoutAfter {
					t.Fatalf("not locked after %d failures", i+1)
				}
			}
		}
		lock()
		f.clock = f.clock.Add(20 * time.Minute)
		if _, err := f.ids.SignIn(ctx, "boss@example.org", goodPassword, "", "10.0.0.6"); !errors.Is(err, identity.ErrLocked) {
			t.Fatalf("after %d failures: %v", cfg.LockoutAfter, err)
		}
		f.clock = f.clock.Add(20 * time.Minute)
		if _, err := f.ids.SignIn(ctx, "boss@example.org", "wrong", "", "10.0.0.6"); !errors.Is(err, identity.ErrBadCredentials) {
			t.Fatalf("a locked account with a wrong password must not say it is locked: %v", err)
		}
		// Someone who knows only the address cannot keep the owner out.
		if _, err := f.ids.SignIn(ctx, "boss@example.org", goodPassword, own, "10.0.0.6"); err != nil {
			t.Fatalf("the owner's browser is locked out: %v", err)
		}
		// A token made for another address, or altered, is no token.
		altered := own[:len(own)-1] + map[bool]string{true: "1", false: "0"}[strings.HasSuffix(own, "0")]
		for _, forged := range []string{f.ids.DeviceToken(&identity.User{Email: "helper@example.org", PasswordHash: f.admin.PasswordHash}), altered, strings.Split(own, ".")[0] + ".", "garbage"} {
			if _, err := f.ids.SignIn(ctx, "boss@example.org", goodPassword, forged, "10.0.0.6"); !errors.Is(err, identity.ErrLocked) && !errors.As(err, &th) {
				t.Errorf("forged device token %q: %v", forged, err)
			}
		}
		// The owner's browser failing is throttled on its own, never locked.
		for i := 0; i < cfg.ThrottleAfter; i++ {
			_, _ = f.ids.SignIn(ctx, "boss@example.org", "wrong", own, "10.0.0.6")
		}
		if _, err := f.ids.SignIn(ctx, "boss@example.org", goodPassword, own, "10.0.0.6"); !errors.As(err, &th) {
			t.Fatalf("the owner's browser failing is not throttled: %v", err)
		}
		f.clock = f.clock.Add(20 * time.Minute)
		if _, err := f.ids.SignIn(ctx, "boss@example.org", goodPassword, own, "10.0.0.6"); err != nil {
			t.Fatalf("the owner's browser after its pause: %v", err)
		}
		helper, _, _ := f.ids.Seed(ctx, f.org, identity.Invitee{Email: "helper@example.org", GivenName: "H", FamilyName: "Elper", Role: access.RoleAdmin}, goodPassword, "")
		if err := f.ids.Unlock(ctx, helper, f.org.ID, f.admin.ID, "10.0.0.5"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.ids.SignIn(ctx, "boss@example.org", goodPassword, "", "10.0.0.6"); err != nil {
			t.Fatalf("after unlock: %v", err)
		}
		// Locked again, the owner lifts it with a reset through the mailbox.
		lock()
		if err := f.ids.RequestReset(ctx, "boss@example.org", "10.0.0.4"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.ids.ResetPassword(ctx, f.lastLink(t, "boss@example.org", "/reset/"), "Harbour-Tulip-77", "Harbour-Tulip-77", "10.0.0.4"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.ids.SignIn(ctx, "boss@example.org", "Harbour-Tulip-77", "", "10.0.0.3"); err != nil {
			t.Fatalf("after a reset by mail: %v", err)
		}
		// A new password makes the browsers known before unknown: a thief's too.
		if now, _ := f.ids.ByID(ctx, f.admin.ID); f.ids.KnowsDevice(now, own) || !f.ids.KnowsDevice(now, f.ids.DeviceToken(now)) {
			t.Error("device tokens outlive a new password, or new ones are not known")
		}
		actions := auditActions(t, f, f.admin.ID)
		for _, want := range []string{"identity.sign_in_failed", "identity.locked", "identity.unlocked", "identity.password_reset"} {
			if !strings.Contains(actions, want) {
				t.Errorf("audit lacks %s: %s", want, actions)
			}
		}
	})
}

func auditActions(t *testing.T, f *fixture, userID int64) string {
	t.Helper()
	var actions []string
	if err := f.app.DB().NewSelect().Table("audit_events").Column("action").Where("subject_id = ?", userID).Scan(context.Background(), &actions); err != nil {
		t.Fatal(err)
	}
	return strings.Join(actions, " ")
}

func TestSecondFactorCodesSkewAndReplay(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		f := newFixture(t, db)
		ctx := context.Background()
		u := f.admin
		enrol, err := f.ids.StartEnrolment(ctx, u, "Atrium")
		if err != nil || len(enrol.QR) < 100 || !strings.HasPrefix(enrol.URL, "otpauth://totp/") || strings.Count(enrol.Grouped, " ") < 3 {
			t.Fatalf("enrolment: %+v %v", enrol, err)
		}
		again, _ := f.ids.StartEnrolment(ctx, u, "Atrium")
		if again.Secret != enrol.Secret {
			t.Error("reloading the set-up page changed the secret")
		}
		if _, err := f.ids.CompleteEnrolment(ctx, u, "000000", "ip"); !errors.Is(err, identity.ErrBadCode) {
			t.Fatalf("wrong first code: %v", err)
		}
		codes, err := f.ids.CompleteEnrolment(ctx, u, identity.CodeAt(enrol.Secret, f.clock), "ip")
		if err != nil || len(codes) != 10 {
			t.Fatalf("enrolment with a right code: %v %v", codes, err)
		}
		stored, _ := f.ids.ByID(ctx, u.ID)
		if !stored.TOTPEnabled || strings.Contains(stored.TOTPSecret, enrol.Secret) {
			t.Fatal("secret not enabled or stored in the clear")
		}
		// The code just used is refused (replay); so is a code from 2 steps back.
		if err := f.ids.VerifyCode(ctx, stored, identity.CodeAt(enrol.Secret, f.clock), "", "ip"); !errors.Is(err, identity.ErrBadCode) {
			t.Fatalf("replayed code: %v", err)
		}
		f.clock = f.clock.Add(90 * time.Second)
		stored, _ = f.ids.ByID(ctx, u.ID)
		if err := f.ids.VerifyCode(ctx, stored, identity.CodeAt(enrol.Secret, f.clock.Add(-60*time.Second)), "", "ip"); !errors.Is(err, identity.ErrBadCode) {
			t.Fatalf("expired code: %v", err)
		}
		// One step of skew is fine (the phone's clock is 30 s behind).
		if err := f.ids.VerifyCode(ctx, stored, identity.CodeAt(enrol.Secret, f.clock.Add(-30*time.Second)), "", "ip"); err != nil {
			t.Fatalf("skewed code: %v", err)
		}
		// Backup codes: single use, case and dash insensitive, void after regeneration.
		f.clock = f.clock.Add(time.Minute)
		stored, _ = f.ids.ByID(ctx, u.ID)
		if err := f.ids.VerifyCode(ctx, stored, strings.ToUpper(strings.ReplaceAll(codes[0], "-", "")), "", "ip"); err != nil {
			t.Fatalf("backup code: %v", err)
		}
		if err := f.ids.VerifyCode(ctx, stored, codes[0], "", "ip"); !errors.Is(err, identity.ErrBadCode) {
			t.Fatalf("used backup code accepted again: %v", err)
		}
		if left, _ := f.ids.BackupCodesLeft(ctx, u.ID); left != 9 {
			t.Errorf("codes left: %d", left)
		}
		if _, err := f.ids.RegenerateBackupCodes(ctx, stored, "000000", "ip"); err == nil {
			t.Fatal("backup codes regenerated without a right code")
		}
		fresh, err := f.ids.RegenerateBackupCodes(ctx, stored, identity.CodeAt(enrol.Secret, f.clock), "ip")
		if err != nil {
			t.Fatal(err)
		}
		if err := f.ids.VerifyCode(ctx, stored, codes[1], "", "ip"); !errors.Is(err, identity.ErrBadCode) {
			t.Fatalf("old backup code works after regeneration: %v", err)
		}
		if err := f.ids.VerifyCode(ctx, stored, fresh[1], "", "ip"); err != nil {
			t.Fatalf("new backup code: %v", err)
		}
		// An administrator resets the factor: the account has none and is signed out.
		token, _, _ := f.ids.StartSession(ctx, stored, true, "ip", "test")
		if err := f.ids.ResetFactor(ctx, nil, f.org.ID, u.ID, "ip"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.ids.Session(ctx, token); !errors.Is(err, identity.ErrNoSession) {
			t.Errorf("session survived a factor reset: %v", err)
		}
		if reset, _ := f.ids.ByID(ctx, u.ID); reset.TOTPEnabled || reset.TOTPSecret != "" {
			t.Error("factor not reset")
		}
	})
}

func TestSessionsTimeOut(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		f := newFixture(t, db)
		ctx := context.Background()
		cfg := f.ids.Config()
		token, _, err := f.ids.StartSession(ctx, f.admin, true, "ip", "browser")
		if err != nil {
			t.Fatal(err)
		}
		// Active use keeps it alive until the absolute end.
		start := f.clock
		for f.clock.Sub(start) < cfg.SessionMax-cfg.SessionIdle/2 {
			f.clock = f.clock.Add(cfg.SessionIdle / 2)
			if _, _, err := f.ids.Session(ctx, token); err != nil {
				t.Fatalf("active session ended after %s: %v", f.clock.Sub(start), err)
			}
		}
		f.clock = start.Add(cfg.SessionMax + time.Second)
		if _, _, err := f.ids.Session(ctx, token); !errors.Is(err, identity.ErrNoSession) {
			t.Fatalf("session outlived its absolute end: %v", err)
		}
		idle, _, _ := f.ids.StartSession(ctx, f.admin, true, "ip", "browser")
		f.clock = f.clock.Add(cfg.SessionIdle + time.Second)
		if _, _, err := f.ids.Session(ctx, idle); !errors.Is(err, identity.ErrNoSession) {
			t.Fatalf("idle session lived on: %v", err)
		}
		// Ending all others keeps the current one.
		a, sa, _ := f.ids.StartSession(ctx, f.admin, true, "ip", "a")
		b, _, _ := f.ids.StartSession(ctx, f.admin, true, "ip", "b")
		if n, err := f.ids.EndSessions(ctx, f.admin.ID, sa.ID); err != nil || n < 1 {
			t.Fatalf("end others: %d %v", n, err)
		}
		if _, _, err := f.ids.Session(ctx, a); err != nil {
			t.Error("the current session was ended")
		}
		if _, _, err := f.ids.Session(ctx, b); err == nil {
			t.Error("another session survived")
		}
	})
}

func TestPasswordResetAndHistory(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		f := newFixture(t, db)
		ctx := context.Background()
		before, _ := f.app.Mailer().Recent(ctx, 100)
		if err := f.ids.RequestReset(ctx, "nobody@example.org", "ip"); err != nil {
			t.Fatal(err)
		}
		if after, _ := f.app.Mailer().Recent(ctx, 100); len(after) != len(before) {
			t.Fatal("a reset for an unknown address sent a mail")
		}
		if err := f.ids.RequestReset(ctx, "BOSS@example.org", "ip"); err != nil {
			t.Fatal(err)
		}
		token := f.lastLink(t, "boss@example.org", "/reset/")
		session, _, _ := f.ids.StartSession(ctx, f.admin, true, "ip", "old")
		var inv *identity.Invalid
		if _, err := f.ids.ResetPassword(ctx, token, goodPassword, goodPassword, "ip"); !errors.As(err, &inv) || inv.Rules[0].ID != "history" {
			t.Fatalf("the current password again: %v", err)
		}
		if _, err := f.ids.ResetPassword(ctx, token, "Harbour-Tulip-39", "Harbour-Tulip-39", "ip"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.ids.Session(ctx, session); err == nil {
			t.Error("sessions survived a password reset")
		}
		if _, err := f.ids.SignIn(ctx, "boss@example.org", "Harbour-Tulip-39", "", "ip2"); err != nil {
			t.Errorf("new password: %v", err)
		}
		if _, err := f.ids.ResetPassword(ctx, token, "Harbour-Tulip-40", "Harbour-Tulip-40", "ip"); !errors.Is(err, identity.ErrLinkUsed) {
			t.Errorf("reused reset link: %v", err)
		}
		_ = f.ids.RequestReset(ctx, "boss@example.org", "ip3")
		late := f.lastLink(t, "boss@example.org", "/reset/")
		f.clock = f.clock.Add(31 * time.Minute)
		if _, err := f.ids.ResetAccount(ctx, late); !errors.Is(err, identity.ErrLinkExpired) {
			t.Errorf("reset link after 31 minutes: %v", err)
		}
	})
}

func TestAppPasswordsOnlyForProtocols(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		f := newFixture(t, db)
		ctx := context.Background()
		plain, err := f.ids.CreateAppPassword(ctx, f.admin, "Phone calendar", "ip")
		if err != nil || len(plain) != 23 {
			t.Fatalf("app password %q %v", plain, err)
		}
		if _, err := f.ids.SignIn(ctx, "boss@example.org", plain, "", "ip"); !errors.Is(err, identity.ErrBadCredentials) {
			t.Fatalf("an app password opened the web sign-in: %v", err)
		}
		if u, err := f.ids.CheckAppPassword(ctx, "boss@example.org", plain, "ip"); err != nil || u.ID != f.admin.ID {
			t.Fatalf("protocol sign-in: %v", err)
		}
		if _, err := f.ids.CheckAppPassword(ctx, "boss@example.org", goodPassword, "ip"); err == nil {
			t.Fatal("the account password opened a protocol endpoint")
		}
		list, _ := f.ids.AppPasswords(ctx, f.admin.ID)
		if len(list) != 1 || list[0].LastUsedAt == nil || list[0].Name != "Phone calendar" {
			t.Fatalf("list: %+v", list)
		}
		if _, err := f.ids.CreateAppPassword(ctx, f.admin, "  ", "ip"); err == nil {
			t.Error("nameless app password accepted")
		}
		if err := f.ids.RevokeAppPassword(ctx, f.admin, list[0].ID, "ip"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.ids.CheckAppPassword(ctx, "boss@example.org", plain, "ip"); err == nil {
			t.Fatal("revoked app password still works")
		}
	})
}

// TestAppPasswordFailuresAreThrottledPerAddress: wrong app passwords from
// one address make its next tries wait, the right one too, while another
// address goes on; a right one writes no count (calendar apps send many).
func TestAppPasswordFailuresAreThrottledPerAddress(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		f := newFixture(t, db)
		ctx := context.Background()
		plain, err := f.ids.CreateAppPassword(ctx, f.admin, "Phone calendar", "ip")
		if err != nil {
			t.Fatal(err)
		}
		counts := func() int {
			t.Helper()
			n, err := f.app.DB().NewSelect().Table("sign_in_throttles").Where("key LIKE ?", "address:app:%").Count(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return int(n)
		}
		for range 3 {
			if _, err := f.ids.CheckAppPassword(ctx, "boss@example.org", plain, "10.0.0.1"); err != nil {
				t.Fatal(err)
			}
		}
		if n := counts(); n != 0 {
			t.Errorf("right app passwords left %d counts", n)
		}
		var th *identity.Throttled
		tries := 0
		for ; tries < 1000; tries++ {
			if _, err := f.ids.CheckAppPassword(ctx, "boss@example.org", "wrong-wrong-wrong-wrong", "10.0.0.2"); errors.As(err, &th) {
				break
			} else if !errors.Is(err, identity.ErrBadCredentials) {
				t.Fatalf("a wrong app password: %v", err)
			}
		}
		if th == nil || tries < f.ids.Config().ThrottleAfter {
			t.Fatalf("throttled after %d wrong app passwords: %v", tries, th)
		}
		if _, err := f.ids.CheckAppPassword(ctx, "boss@example.org", plain, "10.0.0.2"); !errors.As(err, &th) {
			t.Errorf("the right app password from the throttled address: %v", err)
		}
		if _, err := f.ids.CheckAppPassword(ctx, "boss@example.org", plain, "10.0.0.3"); err != nil {
			t.Errorf("another address is throttled by the first's failures: %v", err)
		}
		f.clock = f.clock.Add(16 * time.Minute)
		if _, err := f.ids.CheckAppPassword(ctx, "boss@example.org", plain, "10.0.0.2"); err != nil {
			t.Errorf("the address after its pause: %v", err)
		}
	})
}

func TestProfilePhotoIsReencodedAndSquare(t *testing.T) {
	t.Parallel()
	f := newFixture(t, coretest.SQLite(t))
	ctx := context.Background()
	img := image.NewRGBA(image.Rect(0, 0, 640, 400))
	for x := 0; x < 640; x++ {
		for y := 0; y < 400; y++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 90, 255})
		}
	}
	var jpg bytes.Buffer
	_ = jpeg.Encode(&jpg, img, nil)
	withMeta := append(append([]byte{}, jpg.Bytes()[:2]...), append([]byte("\xff\xe1\x00\x10Exif\x00\x00GPS-SECRET"), jpg.Bytes()[2:]...)...)
	if err := f.ids.SetPhoto(ctx, f.admin, withMeta); err != nil {
		t.Fatal(err)
	}
	stored, _ := f.ids.ByID(ctx, f.admin.ID)
	cfg, format, err := image.DecodeConfig(bytes.NewReader(stored.Photo))
	if err != nil || format != "jpeg" || cfg.Width != 256 || cfg.Height != 256 || bytes.Contains(stored.Photo, []byte("GPS-SECRET")) {
		t.Fatalf("stored photo: %v %s %dx%d", err, format, cfg.Width, cfg.Height)
	}
	var pngBuf bytes.Buffer
	_ = png.Encode(&pngBuf, img)
	if err := f.ids.SetPhoto(ctx, f.admin, pngBuf.Bytes()); err != nil || !strings.HasSuffix(f.admin.PhotoType, "png") {
		t.Fatalf("png: %v %s", err, f.admin.PhotoType)
	}
	for name, bad := range map[string][]byte{
		"empty": nil, "text": []byte("hello, not an image"), "gif": []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"),
		"bomb": append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01\x00\x00\x00\x01\x00\x00\x08\x02\x00\x00\x00"), make([]byte, 64)...),
	} {
		if err := f.ids.SetPhoto(ctx, f.admin, bad); !errors.Is(err, identity.ErrPhoto) {
			t.Errorf("%s accepted: %v", name, err)
		}
	}
	if after, _ := f.ids.ByID(ctx, f.admin.ID); !strings.HasSuffix(after.PhotoType, "png") {
		t.Error("a refused upload changed the photo")
	}
}
