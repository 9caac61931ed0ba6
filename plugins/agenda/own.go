package main

import (
	"strconv"

	"github.com/atriumhq/atrium/plugins/sdk"
)

// deleteOwn removes one of the coach's own rows (weekly hours, a session
// type, a change) named by the route's id.
func deleteOwn(model any) sdk.HandlerFunc { return deleteRow(model, true, "/availability") }

// deleteRow removes one row of the organisation named by the route's id
// (and, when mine, of the person's own); another's row, or one that is not
// there, is a 404. The person goes back to the page named.
func deleteRow(model any, mine bool, back string) sdk.HandlerFunc {
	return func(r *sdk.Request) error {
		id, err := strconv.ParseInt(r.Params["id"], 10, 64)
		if err != nil {
			return r.Fail(404)
		}
		q := r.DB().NewDelete().Model(model).Where("id = ? AND organisation_id = ?", id, r.OrganisationID())
		if mine {
			q = q.Where("coach_id = ?", r.UserID())
		}
		res, err := q.Exec(r.Context)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return r.Fail(404)
		}
		return r.Redirect(back)
	}
}
