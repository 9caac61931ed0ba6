package main

import (
	"github.com/atriumhq/atrium/plugins/sdk"
)

// themeDeletePost removes one of the organisation's themes named by the
// route's id; one that is not there is a 404.
func themeDeletePost(r *sdk.Request) error {
	id, err := r.ParamID("id")
	if err != nil {
		return err
	}
	res, err := r.DB().NewDelete().Model((*theme)(nil)).Where("id = ? AND organisation_id = ?", id, r.OrganisationID()).Exec(r.Context)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return r.Fail(404)
	}
	return r.Redirect("/themes")
}
