package wall

import "github.com/atriumhq/atrium/core/secrets"

// RoleSecret is the password the wall of an installation with key gives
// role, for the tests outside the package.
func RoleSecret(key *secrets.Box, role string) string { return (&Wall{key: key}).roleSecret(role) }
