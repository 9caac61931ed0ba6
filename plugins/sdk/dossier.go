package sdk

import (
	pluginv1 "github.com/atriumhq/atrium/plugins/sdk/proto/v1"
)

// Levels a person can hold in a dossier, from none to manage; each includes
// the ones before it.
var levels = []string{"none", "view", "contribute", "edit", "manage"}

// Level is what a person may do in a dossier: "none", "view", "contribute",
// "edit" or "manage".
// Since contract v1.2.
type Level string

// AtLeast tells whether the level includes another ("edit" includes "view").
// Since contract v1.2.
func (l Level) AtLeast(other Level) bool { return rank(l) >= rank(other) }

func rank(l Level) int {
	for i, s := range levels {
		if Level(s) == l {
			return i
		}
	}
	return 0
}

// DossierInfo is what the host tells about a dossier; all but Level are
// empty when the person may not open it.
// Since contract v1.2.
type DossierInfo struct {
	Level        Level  // the person's level; "none" when they may not open it
	Name         string // whose dossier it is
	ID           int64
	PersonID     int64 // the person's account; 0 before they are invited
	CoachID      int64 // the responsible coach; 0 when there is none
	Trajectories []Trajectory
}

// Trajectory is one product a dossier's person follows, with its sessions.
// Since contract v1.3.
type Trajectory struct {
	ID        int64
	Number    int
	Product   string
	Status    string // "planned", "running" or "closed"
	Planned   int    // the sessions it offers
	Booked    int    // booked and still to come
	Used      int    // held or missed
	StartDate string // YYYY-MM-DD
	EndDate   string // "" while open
}

// Open tells whether sessions can still be booked in the trajectory: it is
// not closed and not all its sessions are booked or used.
// Since contract v1.3.
func (t Trajectory) Open() bool {
	return t.Status != "closed" && (t.Planned == 0 || t.Booked+t.Used < t.Planned)
}

// Dossier asks the host what the request's person may do in a dossier of
// the request's organisation. On a dossier card the level also comes as
// params["level"]; pages that act on a dossier ask here, never trusting a
// level sent by the browser.
// Since contract v1.2.
func (r *Request) Dossier(id int64) (DossierInfo, error) {
	return r.dossier(&pluginv1.DossierRequest{Token: r.ctx.GetToken(), DossierId: id})
}

// OwnDossier is the request's person's own dossier in the organisation
// (Level "none" when they have none).
// Since contract v1.3.
func (r *Request) OwnDossier() (DossierInfo, error) {
	return r.dossier(&pluginv1.DossierRequest{Token: r.ctx.GetToken(), Own: true})
}

// DossierOf is the dossier of a member of the organisation (a coachee the
// person chats with), with what the request's person may do in it (Level
// "none" when they may not open it, or the member has none).
// Since contract v1.5.
func (r *Request) DossierOf(personID int64) (DossierInfo, error) {
	if personID <= 0 {
		return DossierInfo{Level: "none"}, nil
	}
	return r.dossier(&pluginv1.DossierRequest{Token: r.ctx.GetToken(), PersonId: personID})
}

func (r *Request) dossier(req *pluginv1.DossierRequest) (DossierInfo, error) {
	if r.module.host == nil {
		return DossierInfo{}, ErrNoHost
	}
	resp, err := r.module.host.Dossier(r.Context, req)
	if err != nil {
		return DossierInfo{}, err
	}
	d := DossierInfo{Level: Level(resp.GetLevel()), Name: resp.GetName(), ID: resp.GetId(), PersonID: resp.GetPersonId(), CoachID: resp.GetCoachId()}
	for _, t := range resp.GetTrajectories() {
		d.Trajectories = append(d.Trajectories, Trajectory{ID: t.GetId(), Number: int(t.GetNumber()), Product: t.GetProduct(), Status: t.GetStatus(),
			Planned: int(t.GetSessionsPlanned()), Booked: int(t.GetSessionsBooked()), Used: int(t.GetSessionsUsed()), StartDate: t.GetStartDate(), EndDate: t.GetEndDate()})
	}
	return d, nil
}

// SetSessions records this module's use of an open trajectory: how many of
// its sessions are booked and how many were used (held or missed), as the
// plugin counts them; the first use sets the trajectory running. The person
// must be able to contribute. Each module's record stands beside the
// others' and the trajectory shows their sum, so every module that counts
// sessions (appointments, group meetings) records its own. Since contract
// v1.3; recorded per module since v1.6 of the host.
func (r *Request) SetSessions(dossierID, trajectoryID int64, booked, used int) error {
	if r.module.host == nil {
		return ErrNoHost
	}
	_, err := r.module.host.Sessions(r.Context, &pluginv1.SessionsRequest{Token: r.ctx.GetToken(), DossierId: dossierID, TrajectoryId: trajectoryID,
		Booked: int32(booked), Used: int32(used)})
	return err
}

// AddItem tells the host that the person added an item to a dossier (a
// note, a message): it shows as new (a red dot) to everyone else who may
// open the dossier until they read it, and counts on the coach's start page.
// kind is the plugin's own ("note"); ref is the item's id. The person needs
// to be able to contribute to the dossier.
// Since contract v1.2.
func (r *Request) AddItem(dossierID int64, kind, ref string) error {
	if r.module.host == nil {
		return ErrNoHost
	}
	_, err := r.module.host.AddItem(r.Context, &pluginv1.ItemRequest{Token: r.ctx.GetToken(), DossierId: dossierID, Kind: kind, Ref: ref})
	return err
}

// ReadState tells which of the items (by ref) the person has read; items
// the host does not know count as read.
// Since contract v1.2.
func (r *Request) ReadState(dossierID int64, kind string, refs []string) (map[string]bool, error) {
	if r.module.host == nil {
		return nil, ErrNoHost
	}
	resp, err := r.module.host.ReadState(r.Context, &pluginv1.ReadStateRequest{Token: r.ctx.GetToken(), DossierId: dossierID, Kind: kind, Refs: refs})
	if err != nil {
		return nil, err
	}
	return resp.GetRead(), nil
}

// MarkRead marks an item read when the person opens it (or new again when
// they ask); found is false when the dossier has no such item.
// Since contract v1.2.
func (r *Request) MarkRead(dossierID int64, kind, ref string, read bool) (found bool, err error) {
	if r.module.host == nil {
		return false, ErrNoHost
	}
	resp, err := r.module.host.MarkRead(r.Context, &pluginv1.MarkReadRequest{Token: r.ctx.GetToken(), DossierId: dossierID, Kind: kind, Ref: ref, Read: read})
	if err != nil {
		return false, err
	}
	return resp.GetFound(), nil
}
