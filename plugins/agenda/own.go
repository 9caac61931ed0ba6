package main

import (
	"strconv"

	"github.com/atriumhq/atrium/plugins/sdk"
)

// deleteOwn removes one row of the coach's own (weekly hours, a session
// type, a change) named by the route's id: another coach's row, or one that
// is not there, is a 404.
func deleteOwn(model any) sdk.HandlerFunc {
	return func(r *sdk.Request) error {
		id, err := strconv.ParseInt(r.Params["id"], 10, 64)
		if err != nil {
			return r.Fail(404)
		}
		res, err := r.DB().NewDelete().Model(model).Where("id = ? AND organisation_id = ? AND coach_id = ?", id, r.OrgID(), r.UserID()).Exec(r.Context)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return r.Fail(404)
		}
		return r.Redirect("/availability")
	}
}
