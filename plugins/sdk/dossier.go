package sdk

import (
	pluginv1 "github.com/atriumhq/atrium/plugins/proto/v1"
)

// Levels a person can hold in a dossier, from none to manage; each includes
// the ones before it.
var levels = []string{"none", "view", "contribute", "edit", "manage"}

// Level is what a person may do in a dossier: "none", "view", "contribute",
// "edit" or "manage".
type Level string

// AtLeast tells whether the level includes another ("edit" includes "view").
func (l Level) AtLeast(other Level) bool { return rank(l) >= rank(other) }

func rank(l Level) int {
	for i, s := range levels {
		if Level(s) == l {
			return i
		}
	}
	return 0
}

// DossierInfo is what the host tells about a dossier.
type DossierInfo struct {
	Level Level  // the person's level; "none" when they may not open it
	Name  string // whose dossier it is
}

// Dossier asks the host what the request's person may do in a dossier of
// the request's organisation. On a dossier card the level also comes as
// params["level"]; pages that act on a dossier ask here, never trusting a
// level sent by the browser.
func (r *Request) Dossier(id int64) (DossierInfo, error) {
	if r.module.host == nil {
		return DossierInfo{}, ErrNoHost
	}
	resp, err := r.module.host.Dossier(r.Context, &pluginv1.DossierRequest{Token: r.ctx.GetToken(), DossierId: id})
	if err != nil {
		return DossierInfo{}, err
	}
	return DossierInfo{Level: Level(resp.GetLevel()), Name: resp.GetName()}, nil
}

// AddItem tells the host that the person added an item to a dossier (a
// note, a message): it shows as new (a red dot) to everyone else who may
// open the dossier until they read it, and counts on the coach's start page.
// kind is the plugin's own ("note"); ref is the item's id. The person needs
// to be able to contribute to the dossier.
func (r *Request) AddItem(dossierID int64, kind, ref string) error {
	if r.module.host == nil {
		return ErrNoHost
	}
	_, err := r.module.host.AddItem(r.Context, &pluginv1.ItemRequest{Token: r.ctx.GetToken(), DossierId: dossierID, Kind: kind, Ref: ref})
	return err
}

// ReadState tells which of the items (by ref) the person has read; items
// the host does not know count as read.
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
