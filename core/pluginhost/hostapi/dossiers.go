package hostapi

import (
	"context"
	"errors"
	"regexp"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/atriumhq/atrium/core/dossier"
	"github.com/atriumhq/atrium/core/pluginhost/calls"
	"github.com/atriumhq/atrium/core/readstate"
	pluginv1 "github.com/atriumhq/atrium/plugins/sdk/proto/v1"
)

// The read-state calls: a plugin's items live under its own kinds
// ("<plugin>.<kind>"), so no plugin reads or marks another's, and every call
// is checked against the person's level in the dossier, which must be of the
// call's organisation.

// itemKind is a plugin's own kind: short, lower case, no dots.
var itemKind = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// dossierLevel is the level of the call's person in a dossier of the call's
// organisation; None for any other dossier.
func (s *Service) dossierLevel(ctx context.Context, sc *calls.Scope, id int64) (*dossier.Dossier, dossier.Level, error) {
	if s.deps.Dossiers == nil {
		return nil, dossier.None, status.Error(codes.Unimplemented, "dossiers are not served by this host")
	}
	d, level, err := s.deps.Dossiers.Open(ctx, dossier.Who{UserID: sc.UserID, OrgID: sc.OrgID, Can: sc.Can}, id)
	if errors.Is(err, dossier.ErrNotFound) || (err == nil && d.OrganisationID != sc.OrgID) {
		return nil, dossier.None, nil
	}
	return d, level, err
}

// item checks a read-state request: a valid kind and ref, a dossier the
// person may open at need or above.
func (s *Service) item(ctx context.Context, token string, dossierID int64, kind, ref string, need dossier.Level) (*calls.Scope, *dossier.Dossier, error) {
	sc, err := s.scope(token)
	if err != nil {
		return nil, nil, err
	}
	if !itemKind.MatchString(kind) || len(ref) > 100 {
		return nil, nil, status.Error(codes.InvalidArgument, "a kind is 1 to 40 lower-case letters, digits or _; a ref at most 100 bytes")
	}
	d, level, err := s.dossierLevel(ctx, sc, dossierID)
	if err != nil {
		return nil, nil, err
	}
	if level < need {
		s.Log.Warn("plugin refused: dossier level", "plugin", s.Plugin, "dossier", dossierID, "level", level.String(), "need", need.String())
		return nil, nil, status.Errorf(codes.PermissionDenied, "the person may not do this in dossier %d", dossierID)
	}
	return sc, d, nil
}

// Dossier tells the person's level in a dossier (or their own, when asked
// for it), whose it is, its coach and its trajectories.
func (s *Service) Dossier(ctx context.Context, req *pluginv1.DossierRequest) (*pluginv1.DossierResponse, error) {
	sc, err := s.scope(req.GetToken())
	if err != nil {
		return nil, err
	}
	id := req.GetDossierId()
	if whose := req.GetPersonId(); (req.GetOwn() || whose != 0) && s.deps.Dossiers != nil {
		if req.GetOwn() {
			whose = sc.UserID
		}
		if id, err = s.deps.Dossiers.Own(ctx, sc.OrgID, whose); err != nil {
			return nil, err
		}
	}
	d, level, err := s.dossierLevel(ctx, sc, id)
	if err != nil || level == dossier.None {
		return &pluginv1.DossierResponse{Level: dossier.None.String()}, err
	}
	out := &pluginv1.DossierResponse{Level: level.String(), Name: d.Name(), Id: d.ID}
	if d.UserID != nil {
		out.PersonId = *d.UserID
	}
	if d.CoachID != nil {
		out.CoachId = *d.CoachID
	}
	list, err := s.deps.Dossiers.Trajectories(ctx, d.ID)
	if err != nil {
		return nil, err
	}
	for _, t := range list {
		out.Trajectories = append(out.Trajectories, &pluginv1.Trajectory{Id: t.ID, Number: int32(t.Number), Product: t.ProductName, Status: t.Status,
			SessionsPlanned: int32(t.SessionsPlanned), SessionsBooked: int32(t.SessionsBooked), SessionsUsed: int32(t.SessionsUsed),
			StartDate: t.StartDate, EndDate: t.EndDate})
	}
	return out, nil
}

// Sessions records a trajectory's booked and used sessions as the plugin
// counts them; the person must be able to contribute to the dossier.
func (s *Service) Sessions(ctx context.Context, req *pluginv1.SessionsRequest) (*pluginv1.SessionsResponse, error) {
	sc, err := s.scope(req.GetToken())
	if err != nil {
		return nil, err
	}
	if s.deps.Dossiers == nil {
		return nil, status.Error(codes.Unimplemented, "dossiers are not served by this host")
	}
	if _, level, err := s.dossierLevel(ctx, sc, req.GetDossierId()); err != nil {
		return nil, err
	} else if level == dossier.None {
		return nil, status.Errorf(codes.NotFound, "no dossier %d for this person", req.GetDossierId())
	}
	err = s.deps.Dossiers.RecordUsage(ctx, dossier.Who{UserID: sc.UserID, OrgID: sc.OrgID, Can: sc.Can}, s.Plugin, req.GetDossierId(), req.GetTrajectoryId(), int(req.GetBooked()), int(req.GetUsed()))
	var invalid *dossier.Invalid
	switch {
	case errors.As(err, &invalid):
		return nil, status.Error(codes.InvalidArgument, "booked and used are counts from 0 to 1000")
	case errors.Is(err, dossier.ErrNotFound):
		return nil, status.Errorf(codes.NotFound, "no open trajectory %d in dossier %d", req.GetTrajectoryId(), req.GetDossierId())
	case errors.Is(err, dossier.ErrForbidden):
		return nil, status.Errorf(codes.PermissionDenied, "the person may not do this in dossier %d", req.GetDossierId())
	case err != nil:
		return nil, err
	}
	return &pluginv1.SessionsResponse{}, nil
}

// AddItem records a new item; the person must be able to contribute.
func (s *Service) AddItem(ctx context.Context, req *pluginv1.ItemRequest) (*pluginv1.ItemResponse, error) {
	if _, err := s.scope(req.GetToken()); err != nil {
		return nil, err
	}
	sc, d, err := s.item(ctx, req.GetToken(), req.GetDossierId(), req.GetKind(), req.GetRef(), dossier.Contribute)
	if err != nil {
		return nil, err
	}
	author := sc.UserID
	it := &readstate.Item{OrganisationID: d.OrganisationID, DossierID: d.ID, Kind: s.Plugin + "." + req.GetKind(), Ref: req.GetRef(), AuthorID: &author}
	return &pluginv1.ItemResponse{}, readstate.Add(ctx, s.deps.Reads.DB(), it)
}

// ReadState tells which items the person has read.
func (s *Service) ReadState(ctx context.Context, req *pluginv1.ReadStateRequest) (*pluginv1.ReadStateResponse, error) {
	if len(req.GetRefs()) > maxPeople {
		return nil, status.Errorf(codes.InvalidArgument, "at most %d refs per call", maxPeople)
	}
	sc, d, err := s.item(ctx, req.GetToken(), req.GetDossierId(), req.GetKind(), "", dossier.View)
	if err != nil {
		return nil, err
	}
	read, err := s.deps.Reads.Read(ctx, sc.UserID, d.ID, s.Plugin+"."+req.GetKind(), req.GetRefs())
	return &pluginv1.ReadStateResponse{Read: read}, err
}

// MarkRead marks one item read or new again for the person.
func (s *Service) MarkRead(ctx context.Context, req *pluginv1.MarkReadRequest) (*pluginv1.MarkReadResponse, error) {
	if _, err := s.scope(req.GetToken()); err != nil {
		return nil, err
	}
	sc, d, err := s.item(ctx, req.GetToken(), req.GetDossierId(), req.GetKind(), req.GetRef(), dossier.View)
	if err != nil {
		return nil, err
	}
	found, err := s.deps.Reads.Mark(ctx, sc.UserID, d.ID, s.Plugin+"."+req.GetKind(), req.GetRef(), req.GetRead())
	return &pluginv1.MarkReadResponse{Found: found}, err
}
