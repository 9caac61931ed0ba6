package sdktest

import (
	"context"
	"regexp"
	"slices"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/atriumhq/atrium/plugins/sdk"
	pluginv1 "github.com/atriumhq/atrium/plugins/sdk/proto/v1"
)

// Dossier is a dossier of the fake host's, and who may do what in it.
// Since contract v1.6.
type Dossier struct {
	ID           int64 // 0: the next free id
	Organisation int64 // 0 is Organisation
	Name         string
	Person       int64 // the dossier's person; 0 before they are invited
	Coach        int64 // the responsible coach; 0 when there is none
	// Levels are what each person may do in it; anyone else: "none".
	Levels       map[int64]sdk.Level
	Trajectories []sdk.Trajectory // newest first

	items []item
}

// item is one of the module's items in a dossier, and who has read it.
type item struct {
	kind, ref string
	read      map[int64]bool
}

// Sessions is a trajectory's count of sessions the module recorded
// (Request.SetSessions).
// Since contract v1.6.
type Sessions struct {
	Dossier, Trajectory int64
	Booked, Used        int
}

// AddDossier adds a dossier and returns its id.
// Since contract v1.6.
func (h *Host) AddDossier(d Dossier) int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	if d.ID == 0 {
		d.ID = h.nextID
		h.nextID++
	}
	if d.Organisation == 0 {
		d.Organisation = Organisation
	}
	h.dossiers[d.ID] = &d
	return d.ID
}

// Dossier is a dossier as it is now, with the trajectories' sessions the
// module recorded.
// Since contract v1.6.
func (h *Host) Dossier(id int64) Dossier {
	h.mu.Lock()
	defer h.mu.Unlock()
	d := h.dossiers[id]
	if d == nil {
		h.t.Fatalf("sdktest: no dossier %d", id)
	}
	out := *d
	out.Trajectories = slices.Clone(d.Trajectories)
	return out
}

// Sessions are the counts of sessions the module recorded, in order.
// Since contract v1.6.
func (h *Host) Sessions() []Sessions {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.sessions)
}

// level is what the call's person may do in a dossier of the call's
// organisation: "none" for any other.
func (s *hostService) level(sc *scope, id int64) sdk.Level {
	s.h.mu.Lock()
	defer s.h.mu.Unlock()
	d := s.h.dossiers[id]
	if d == nil || d.Organisation != sc.org || d.Levels[sc.person] == "" {
		return "none"
	}
	return d.Levels[sc.person]
}

// Dossier tells the person's level in a dossier (theirs, or a member's,
// when asked so), whose it is, its coach and its trajectories.
func (s *hostService) Dossier(_ context.Context, req *pluginv1.DossierRequest) (*pluginv1.DossierResponse, error) {
	sc, err := s.scope(req.GetToken())
	if err != nil {
		return nil, err
	}
	id := req.GetDossierId()
	if whose := req.GetPersonId(); req.GetOwn() || whose != 0 {
		if req.GetOwn() {
			whose = sc.person
		}
		id = 0
		s.h.mu.Lock()
		for _, d := range s.h.dossiers {
			if d.Organisation == sc.org && d.Person == whose {
				id = d.ID
			}
		}
		s.h.mu.Unlock()
	}
	level := s.level(sc, id)
	if level == "none" {
		return &pluginv1.DossierResponse{Level: "none"}, nil
	}
	s.h.mu.Lock()
	defer s.h.mu.Unlock()
	d := s.h.dossiers[id]
	out := &pluginv1.DossierResponse{Level: string(level), Name: d.Name, Id: d.ID, PersonId: d.Person, CoachId: d.Coach}
	for _, t := range d.Trajectories {
		out.Trajectories = append(out.Trajectories, &pluginv1.Trajectory{Id: t.ID, Number: int32(t.Number), Product: t.Product, Status: t.Status,
			SessionsPlanned: int32(t.Planned), SessionsBooked: int32(t.Booked), SessionsUsed: int32(t.Used), StartDate: t.StartDate, EndDate: t.EndDate})
	}
	return out, nil
}

var itemKind = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// item checks an item call: a valid kind, a dossier the person may open at
// need or above.
func (s *hostService) item(token string, dossier int64, kind string, need sdk.Level) (*scope, error) {
	sc, err := s.scope(token)
	if err != nil {
		return nil, err
	}
	if !itemKind.MatchString(kind) {
		return nil, status.Error(codes.InvalidArgument, "a kind is 1 to 40 lower-case letters, digits or _")
	}
	if !s.level(sc, dossier).AtLeast(need) {
		return nil, status.Errorf(codes.PermissionDenied, "the person may not do this in dossier %d", dossier)
	}
	return sc, nil
}

// AddItem records a new item: read by its author, new to everyone else.
func (s *hostService) AddItem(_ context.Context, req *pluginv1.ItemRequest) (*pluginv1.ItemResponse, error) {
	sc, err := s.item(req.GetToken(), req.GetDossierId(), req.GetKind(), "contribute")
	if err != nil {
		return nil, err
	}
	s.h.mu.Lock()
	defer s.h.mu.Unlock()
	d := s.h.dossiers[req.GetDossierId()]
	d.items = append(d.items, item{kind: req.GetKind(), ref: req.GetRef(), read: map[int64]bool{sc.person: true}})
	return &pluginv1.ItemResponse{}, nil
}

// ReadState tells which of the items the person has read; unknown ones
// count as read.
func (s *hostService) ReadState(_ context.Context, req *pluginv1.ReadStateRequest) (*pluginv1.ReadStateResponse, error) {
	sc, err := s.item(req.GetToken(), req.GetDossierId(), req.GetKind(), "view")
	if err != nil {
		return nil, err
	}
	s.h.mu.Lock()
	defer s.h.mu.Unlock()
	out := &pluginv1.ReadStateResponse{Read: map[string]bool{}}
	for _, ref := range req.GetRefs() {
		out.Read[ref] = true
		for _, it := range s.h.dossiers[req.GetDossierId()].items {
			if it.kind == req.GetKind() && it.ref == ref {
				out.Read[ref] = it.read[sc.person]
			}
		}
	}
	return out, nil
}

// MarkRead marks an item read, or new again, for the person.
func (s *hostService) MarkRead(_ context.Context, req *pluginv1.MarkReadRequest) (*pluginv1.MarkReadResponse, error) {
	sc, err := s.item(req.GetToken(), req.GetDossierId(), req.GetKind(), "view")
	if err != nil {
		return nil, err
	}
	s.h.mu.Lock()
	defer s.h.mu.Unlock()
	for _, it := range s.h.dossiers[req.GetDossierId()].items {
		if it.kind == req.GetKind() && it.ref == req.GetRef() {
			it.read[sc.person] = req.GetRead()
			return &pluginv1.MarkReadResponse{Found: true}, nil
		}
	}
	return &pluginv1.MarkReadResponse{}, nil
}

// Sessions records a trajectory's booked and used sessions; the first
// sets a planned trajectory running.
func (s *hostService) Sessions(_ context.Context, req *pluginv1.SessionsRequest) (*pluginv1.SessionsResponse, error) {
	sc, err := s.scope(req.GetToken())
	if err != nil {
		return nil, err
	}
	booked, used := int(req.GetBooked()), int(req.GetUsed())
	switch level := s.level(sc, req.GetDossierId()); {
	case level == "none":
		return nil, status.Errorf(codes.NotFound, "no dossier %d for this person", req.GetDossierId())
	case !level.AtLeast("contribute"):
		return nil, status.Errorf(codes.PermissionDenied, "the person may not do this in dossier %d", req.GetDossierId())
	case booked < 0 || used < 0 || booked > 1000 || used > 1000:
		return nil, status.Error(codes.InvalidArgument, "booked and used are counts from 0 to 1000")
	}
	s.h.mu.Lock()
	defer s.h.mu.Unlock()
	d := s.h.dossiers[req.GetDossierId()]
	for i := range d.Trajectories {
		t := &d.Trajectories[i]
		if t.ID != req.GetTrajectoryId() || t.Status == "closed" {
			continue
		}
		t.Booked, t.Used = booked, used
		if booked+used > 0 && t.Status == "planned" {
			t.Status = "running"
		}
		s.h.sessions = append(s.h.sessions, Sessions{Dossier: d.ID, Trajectory: t.ID, Booked: booked, Used: used})
		return &pluginv1.SessionsResponse{}, nil
	}
	return nil, status.Errorf(codes.NotFound, "no open trajectory %d in dossier %d", req.GetTrajectoryId(), req.GetDossierId())
}
