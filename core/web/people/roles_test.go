package people_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
	"github.com/atriumhq/atrium/core/demo"
)

// TestCustomRolesAreCheckedLikeBuiltInOnes is the escalation of issue 14:
// an invitation with "custom:N" was accepted as it was, another
// organisation's role or none at all, whatever it granted. Every role is
// now checked for existence in the organisation's tree and against the
// giver's own rights, at invitation and when roles are changed.
func TestCustomRolesAreCheckedLikeBuiltInOnes(t *testing.T) {
	t.Parallel()
	coretest.EachDatabase(t, func(t *testing.T, db config.Database) {
		app := coretest.NewApp(t, db)
		ctx := context.Background()
		harbour, _ := app.Organisations().BySlug(ctx, demo.Slug)
		north := app.Organisation(t, "north", "North Care")
		everything := access.Set{}.Add(app.Access().Permissions()...)
		// A role of another organisation that would make its holder an administrator there.
		foreign, err := app.Access().SaveCustomRole(ctx, everything, north.ID, 0, "North's keys", []access.Permission{access.PeopleManage, access.RolesAssign})
		if err != nil {
			t.Fatal(err)
		}
		// A role of this organisation beyond what a coach holds.
		keys, err := app.Access().SaveCustomRole(ctx, everything, harbour.ID, 0, "Keys", []access.Permission{access.PeopleManage, access.RolesManage})
		if err != nil {
			t.Fatal(err)
		}
		// One within a coach's rights.
		helper, err := app.Access().SaveCustomRole(ctx, everything, harbour.ID, 0, "Helper", []access.Permission{access.PeopleView})
		if err != nil {
			t.Fatal(err)
		}
		invite := func(c *coretest.Client, email string, role access.Role) *coretest.Response {
			return c.PostForm("/people/invite", url.Values{"email": {email}, "given_name": {"Eve"}, "family_name": {"Vos"}, "role": {string(role)}})
		}
		invited := func(email string) bool {
			_, err := app.Identity().ByEmail(ctx, email)
			return err == nil
		}
		admin := app.Client(t)
		admin.SignIn("admin@harbour.example")
		coach := app.Client(t)
		coach.SignIn("coach@harbour.example")
		for _, tc := range []struct {
			who    *coretest.Client
			name   string
			role   access.Role
			status int
		}{
			{admin, "another organisation's role", foreign.Key(), 422},
			{admin, "a role that does not exist", "custom:999999", 422},
			{admin, "a malformed role", "custom:x", 422},
			{coach, "another organisation's role", foreign.Key(), 422},
			{coach, "a role beyond the coach's rights", keys.Key(), 403},
		} {
			email := "eve" + strconv.Itoa(tc.status) + tc.name[:3] + "@example.org"
			if res := invite(tc.who, email, tc.role); res.StatusCode != tc.status {
				t.Errorf("%s: %d, want %d", tc.name, res.StatusCode, tc.status)
			}
			if invited(email) {
				t.Errorf("%s: the account was made", tc.name)
			}
		}
		// The invitation form offers the tree's roles within one's rights.
		form := coach.Get("/people/invite")
		if form.Doc.Find(`#f-role option[value="`+string(helper.Key())+`"]`).Length() != 1 ||
			form.Doc.Find(`#f-role option[value="`+string(keys.Key())+`"]`).Length() != 0 ||
			form.Doc.Find(`#f-role option[value="`+string(foreign.Key())+`"]`).Length() != 0 {
			t.Errorf("the coach's role choice: %s", form.Doc.Find("#f-role").Text())
		}
		if res := invite(coach, "helper@example.org", helper.Key()); res.StatusCode != 303 || !invited("helper@example.org") {
			t.Errorf("a role within the coach's rights: %d", res.StatusCode)
		}
		// Changing roles: another organisation's role is never given.
		kim, _ := app.Identity().ByEmail(ctx, "coachee@harbour.example")
		res := admin.PostForm("/people/"+strconv.FormatInt(kim.ID, 10)+"/roles", url.Values{"roles": {"coachee", string(foreign.Key())}})
		if res.StatusCode != 303 && res.StatusCode != 403 {
			t.Errorf("roles with another organisation's: %d", res.StatusCode)
		}
		if roles, _ := app.Organisations().RolesOf(ctx, harbour.ID, kim.ID); len(roles) != 1 || roles[0] != access.RoleCoachee {
			t.Errorf("roles after the try: %v", roles)
		}
		// A role promised in an invitation that waits stays until the
		// invitation is answered or withdrawn: accepting must not give a
		// role that is gone.
		exists := func() bool {
			roles, err := app.Access().CustomRoles(ctx, []int64{harbour.ID})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range roles {
				if r.ID == helper.ID {
					return true
				}
			}
			return false
		}
		del := "/organisation/roles/" + strconv.FormatInt(helper.ID, 10) + "/delete"
		admin.PostForm(del, url.Values{})
		if !exists() {
			t.Fatal("a role offered in an invitation was deleted")
		}
		if res := admin.Get("/organisation/roles"); !strings.Contains(res.Text(".flash"), "invitation") {
			t.Errorf("the refusal does not say why: %q", res.Text("main"))
		}
		admin.PostForm("/people/invitations/"+strconv.FormatInt(harbour.ID, 10)+"/withdraw", url.Values{"email": {"helper@example.org"}})
		if res := admin.PostForm(del, url.Values{}); res.StatusCode != 303 {
			t.Fatalf("delete after the withdrawal: %d", res.StatusCode)
		}
		if exists() {
			t.Error("the role outlived its last invitation's withdrawal")
		}
	})
}
