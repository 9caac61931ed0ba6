package pluginhost_test

import (
	"slices"
	"testing"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/config"
	"github.com/atriumhq/atrium/core/coretest"
)

// TestTwoAppsKeepTheirOwnPluginsRights: the registries a plugin joins
// (permissions, what built-in roles grant, kinds of mail) belong to the App
// that runs it; another App in the same process never sees them.
func TestTwoAppsKeepTheirOwnPluginsRights(t *testing.T) {
	t.Parallel()
	example := coretest.BuildPlugin(t, "plugins/example")
	hostile := coretest.BuildPlugin(t, "core/pluginhost/testdata/hostile")
	withExample := coretest.NewApp(t, coretest.SQLite(t), coretest.Options{Config: func(c *config.Config) { coretest.WithPlugins(t, c, true, example) }})
	withHostile := coretest.NewApp(t, coretest.SQLite(t), coretest.Options{Config: func(c *config.Config) { coretest.WithPlugins(t, c, true, hostile) }})
	bare := coretest.NewApp(t, coretest.SQLite(t))

	for _, tc := range []struct {
		name      string
		app       *coretest.App
		own, not  string
		ownKind   string
		otherKind string
	}{
		{"example", withExample, "example.view", "hostile.view", "example", "hostile"},
		{"hostile", withHostile, "hostile.view", "example.view", "hostile", "example"},
	} {
		perms := tc.app.Access().Permissions()
		if !slices.Contains(perms, access.Permission(tc.own)) || slices.Contains(perms, access.Permission(tc.not)) {
			t.Errorf("%s: permissions %v", tc.name, perms)
		}
		if coach := tc.app.Access().BuiltInPermissions(access.RoleCoach); slices.Contains(coach, access.Permission(tc.not)) {
			t.Errorf("%s: the coach role holds another App's plugin's right: %v", tc.name, coach)
		}
		var kinds []string
		for _, k := range tc.app.Identity().MailKinds() {
			kinds = append(kinds, k.Key)
		}
		if !slices.Contains(kinds, tc.ownKind) || slices.Contains(kinds, tc.otherKind) {
			t.Errorf("%s: kinds of mail %v", tc.name, kinds)
		}
	}
	if !slices.Contains(withExample.Access().BuiltInPermissions(access.RoleCoach), "example.view") {
		t.Error("the example plugin's default role grant is missing")
	}
	for _, p := range bare.Access().Permissions() {
		if p == "example.view" || p == "hostile.view" {
			t.Errorf("an App without plugins sees %s", p)
		}
	}
}
