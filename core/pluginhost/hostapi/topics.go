package hostapi

import (
	"context"
	"strconv"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/atriumhq/atrium/core/dossier"
	"github.com/atriumhq/atrium/core/pluginhost/calls"
	"github.com/atriumhq/atrium/core/realtime"
)

// checkTopic says whether a plugin may name a topic for the person of a
// call: to publish, a member's own topic, a dossier the person may open, or
// one of the plugin's rooms; to listen, the same but for other members'
// topics (each tab has its own already).
func (s *Service) checkTopic(ctx context.Context, sc *calls.Scope, topic string, publishing bool) error {
	kind, rest, _ := strings.Cut(topic, ":")
	id, _ := strconv.ParseInt(rest, 10, 64)
	switch {
	case kind == "user" && publishing:
		members, err := s.deps.Orgs.RolesAmong(ctx, sc.OrgID, []int64{id})
		if err != nil {
			return err
		}
		if _, ok := members[id]; !ok {
			return status.Error(codes.NotFound, "no such person in the organisation")
		}
	case kind == "dossier":
		_, level, err := s.dossierLevel(ctx, sc, id)
		if err != nil {
			return err
		}
		if level < dossier.View {
			return status.Errorf(codes.NotFound, "no dossier %d for this person", id)
		}
	case kind == "room" && strings.HasPrefix(rest, s.Plugin+":"):
	default:
		return status.Errorf(codes.InvalidArgument, "a plugin names user:<id>, dossier:<id> or room:%s:<name>", s.Plugin)
	}
	return nil
}

// Audible keeps the topics a plugin's page listens to (its answer's live
// list) that the call's person may hear; the others are left out and
// logged.
func (s *Service) Audible(ctx context.Context, token string, topics []string) []string {
	sc, err := s.scope(token)
	if err != nil {
		return nil
	}
	if len(topics) > realtime.MaxTopics {
		s.Log.Warn("plugin page listens to too many topics", "plugin", s.Plugin, "topics", len(topics))
		topics = topics[:realtime.MaxTopics]
	}
	var out []string
	for _, topic := range topics {
		if !realtime.ValidTopic(topic) {
			s.Log.Warn("plugin page listens to a topic that is none", "plugin", s.Plugin, "topic", topic)
			continue
		}
		if err := s.checkTopic(ctx, sc, topic, false); err != nil {
			s.Log.Warn("plugin page may not listen", "plugin", s.Plugin, "topic", topic, "error", err.Error())
			continue
		}
		out = append(out, topic)
	}
	return out
}
