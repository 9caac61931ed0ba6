package pluginhost

import (
	"context"
	"strconv"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/atriumhq/atrium/core/dossier"
)

// checkTopic says whether a plugin may name a topic for the person of a
// call: to publish, a member's own topic, a dossier the person may open, or
// one of the plugin's rooms; to listen, the same but for other members'
// topics (each tab has its own already).
func (s *hostService) checkTopic(ctx context.Context, sc *scope, topic string, publishing bool) error {
	kind, rest, _ := strings.Cut(topic, ":")
	id, _ := strconv.ParseInt(rest, 10, 64)
	switch {
	case kind == "user" && publishing:
		members, err := s.orgs.RolesAmong(ctx, sc.orgID, []int64{id})
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
	case kind == "room" && strings.HasPrefix(rest, s.plugin+":"):
	default:
		return status.Errorf(codes.InvalidArgument, "a plugin names user:<id>, dossier:<id> or room:%s:<name>", s.plugin)
	}
	return nil
}
