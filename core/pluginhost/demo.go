package pluginhost

import (
	"context"
	"fmt"

	"github.com/atriumhq/atrium/core/pluginhost/calls"
	pluginv1 "github.com/atriumhq/atrium/plugins/sdk/proto/v1"
)

// DemoEvent is what a plugin receives, once the core has seeded its demo
// organisation, to add demo data of its own (the agenda a coach's hours):
// a call as the demo's coach, with the demo's people as a JSON payload. A
// plugin's handler must change nothing when its data is there already.
const DemoEvent = "core.demo"

// Demo asks every running plugin that receives DemoEvent and that the
// organisation has on to add its demo data, one after the other, waiting
// for each, as the person given. It tells which plugins did, and stops at
// the first that fails.
func (h *Host) Demo(ctx context.Context, orgID, userID int64, payload []byte) ([]string, error) {
	v, err := h.Member(ctx, userID, orgID)
	if err != nil {
		return nil, err
	}
	if v == nil || v.Org.ID != orgID {
		return nil, fmt.Errorf("demo: person %d does not work in organisation %d", userID, orgID)
	}
	receivers, err := h.receivers(ctx, DemoEvent, v.Lineage)
	if err != nil {
		return nil, err
	}
	as := calls.Scope{OrgID: orgID, UserID: userID, Locale: v.Locale, Can: v.Can, Lineage: v.Lineage}
	var done []string
	for _, p := range receivers {
		if err := h.deliverTo(ctx, p, as, &pluginv1.EventRequest{Name: DemoEvent, Payload: payload}); err != nil {
			return done, fmt.Errorf("demo: the %s plugin could not add its demo data (%v); see its log, then run the demo again", p.Name, err)
		}
		done = append(done, p.Name)
	}
	return done, nil
}
