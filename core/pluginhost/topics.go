package pluginhost

import (
	"context"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v3"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/atriumhq/atrium/core/dossier"
	"github.com/atriumhq/atrium/core/realtime"
	"github.com/atriumhq/atrium/core/web"
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

// listen adds the topics a plugin's page listens to (HandleResponse.live)
// to the tab's stream, the ones the person may hear; the others are left
// out and logged.
func (h *Host) listen(c fiber.Ctx, p *Plugin, token string, topics []string) {
	svc := &hostService{plugin: p.Name, calls: &h.calls, orgs: h.Orgs, dossiers: h.Dossiers}
	sc, err := svc.scope(token)
	if err != nil {
		return
	}
	if len(topics) > realtime.MaxTopics {
		h.Log.Warn("plugin page listens to too many topics", "plugin", p.Name, "topics", len(topics))
		topics = topics[:realtime.MaxTopics]
	}
	for _, topic := range topics {
		if !realtime.ValidTopic(topic) {
			h.Log.Warn("plugin page listens to a topic that is none", "plugin", p.Name, "topic", topic)
			continue
		}
		if err := svc.checkTopic(c.Context(), sc, topic, false); err != nil {
			h.Log.Warn("plugin page may not listen", "plugin", p.Name, "topic", topic, "error", err.Error())
			continue
		}
		web.LiveTopics(c, topic)
	}
}
