package tenancy

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/audit"
	"github.com/atriumhq/atrium/core/refusal"
)

// Subtree lists the ids of an organisation and all its daughters at any depth.
func (s *Service) Subtree(ctx context.Context, orgID int64) ([]int64, error) {
	return s.subtree(ctx, s.db, orgID)
}

// subtree is Subtree within a transaction: one recursive query, the same on
// SQLite and PostgreSQL.
func (s *Service) subtree(ctx context.Context, db bun.IDB, orgID int64) ([]int64, error) {
	var ids []int64
	err := db.NewRaw(`WITH RECURSIVE tree(id) AS (
			SELECT id FROM organisations WHERE id = ?
			UNION ALL SELECT o.id FROM organisations o JOIN tree t ON o.parent_id = t.id)
		SELECT id FROM tree`, orgID).Scan(ctx, &ids)
	if err != nil {
		return nil, fmt.Errorf("tenancy: subtree: %w", err)
	}
	return ids, nil
}

// Lineage lists an organisation and its ancestors, nearest first, ending at the subscriber.
func (s *Service) Lineage(ctx context.Context, orgID int64) ([]Organisation, error) {
	var orgs []Organisation
	err := s.db.NewRaw(`WITH RECURSIVE up(id, depth) AS (
			SELECT id, 0 FROM organisations WHERE id = ?
			UNION ALL SELECT o.parent_id, up.depth + 1 FROM organisations o JOIN up ON o.id = up.id WHERE o.parent_id IS NOT NULL)
		SELECT organisations.* FROM organisations JOIN up ON organisations.id = up.id ORDER BY up.depth`, orgID).Scan(ctx, &orgs)
	if err != nil {
		return nil, fmt.Errorf("tenancy: lineage: %w", err)
	}
	return orgs, nil
}

// LineageIDs is Lineage's ids: where an organisation's custom roles come from.
func (s *Service) LineageIDs(ctx context.Context, orgID int64) ([]int64, error) {
	orgs, err := s.Lineage(ctx, orgID)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(orgs))
	for i, o := range orgs {
		ids[i] = o.ID
	}
	return ids, nil
}

// HasDaughters tells whether an organisation has any daughter.
func (s *Service) HasDaughters(ctx context.Context, orgID int64) (bool, error) {
	return s.db.NewSelect().Table("organisations").Where("parent_id = ?", orgID).Exists(ctx)
}

// Daughters lists the direct daughters of an organisation.
func (s *Service) Daughters(ctx context.Context, orgID int64) ([]Organisation, error) {
	var orgs []Organisation
	err := s.db.NewSelect().Model(&orgs).Where("parent_id = ?", orgID).Order("name").Scan(ctx)
	return orgs, err
}

// Tree lists an organisation and every daughter below it, ordered by name
// within each level, with their depth below org.
func (s *Service) Tree(ctx context.Context, orgID int64) ([]Node, error) {
	root, err := s.ByID(ctx, orgID)
	if err != nil {
		return nil, err
	}
	var out []Node
	var walk func(o Organisation, depth int) error
	walk = func(o Organisation, depth int) error {
		out = append(out, Node{Organisation: o, Depth: depth})
		kids, err := s.Daughters(ctx, o.ID)
		if err != nil {
			return err
		}
		for _, k := range kids {
			if err := walk(k, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	return out, walk(*root, 0)
}

// Node is an organisation in a tree listing.
type Node struct {
	Organisation
	Depth int
}

// Move places a daughter under another organisation of the same subscriber.
// A subscriber cannot be moved, and nothing can move below itself.
func (s *Service) Move(ctx context.Context, orgID, newParentID int64) error {
	return s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		org, err := s.find(ctx, tx, "id = ?", orgID)
		if err != nil {
			return err
		}
		if org.Subscriber() {
			return &Invalid{Fields: map[string]string{"parent": "tenancy.error.move_subscriber"}}
		}
		below, err := s.subtree(ctx, tx, orgID)
		if err != nil {
			return err
		}
		for _, id := range below {
			if id == newParentID {
				return ErrCircular
			}
		}
		if s.rootOf(ctx, tx, newParentID) != s.rootOf(ctx, tx, orgID) {
			return &Invalid{Fields: map[string]string{"parent": "tenancy.error.other_subscriber"}}
		}
		_, err = tx.NewUpdate().Model((*Organisation)(nil)).Set("parent_id = ?", newParentID).Where("id = ?", orgID).Exec(ctx)
		return err
	})
}

// rootOf is the subscriber at the top of an organisation's tree (0 when unknown).
func (s *Service) rootOf(ctx context.Context, db bun.IDB, orgID int64) int64 {
	var root int64
	_ = db.NewRaw(`WITH RECURSIVE up(id, parent_id) AS (
			SELECT id, parent_id FROM organisations WHERE id = ?
			UNION ALL SELECT o.id, o.parent_id FROM organisations o JOIN up ON o.id = up.parent_id)
		SELECT id FROM up WHERE parent_id IS NULL`, orgID).Scan(ctx, &root)
	return root
}

// Root is the subscriber at the top of an organisation's tree.
func (s *Service) Root(ctx context.Context, orgID int64) (*Organisation, error) {
	root := s.rootOf(ctx, s.db, orgID)
	if root == 0 {
		return nil, ErrNotFound
	}
	return s.ByID(ctx, root)
}

// SetStatus suspends or reactivates an organisation with all its daughters.
// People of a suspended organisation cannot work in it.
func (s *Service) SetStatus(ctx context.Context, orgID int64, status string) error {
	if status != StatusActive && status != StatusSuspended {
		return &Invalid{Fields: map[string]string{"status": "form.choose"}}
	}
	return s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		ids, err := s.subtree(ctx, tx, orgID)
		if err != nil {
			return err
		}
		_, err = tx.NewUpdate().Model((*Organisation)(nil)).Set("status = ?", status).Where("id IN (?)", bun.List(ids)).Exec(ctx)
		return err
	})
}

// Subscribers lists every subscriber with its usage, for the operator.
func (s *Service) Subscribers(ctx context.Context) ([]Usage, error) {
	var orgs []Organisation
	if err := s.db.NewSelect().Model(&orgs).Where("parent_id IS NULL").Order("name").Scan(ctx); err != nil {
		return nil, err
	}
	out := make([]Usage, len(orgs))
	for i, o := range orgs {
		u, err := s.UsageOf(ctx, o)
		if err != nil {
			return nil, err
		}
		out[i] = u
	}
	return out, nil
}

// Usage is what a subscriber uses of its subscription.
type Usage struct {
	Organisation Organisation
	Daughters    int
	People       int
	Subscription Subscription
}

// UsageOf counts a subscriber's daughters and active people.
func (s *Service) UsageOf(ctx context.Context, org Organisation) (Usage, error) {
	ids, err := s.subtree(ctx, s.db, org.ID)
	if err != nil {
		return Usage{}, err
	}
	people, err := s.ActivePeople(ctx, ids)
	if err != nil {
		return Usage{}, err
	}
	sub, err := s.Subscription(ctx, org.ID)
	if err != nil {
		return Usage{}, err
	}
	return Usage{Organisation: org, Daughters: len(ids) - 1, People: people, Subscription: *sub}, nil
}

// ErrOutsideTree refuses, as a choice the form did not offer, an
// organisation outside the tree someone manages.
var ErrOutsideTree = refusal.New(refusal.Invalid, "tenancy: outside the tree", "form.choose").On("parent")

// errMoveSelf refuses moving the organisation someone manages the tree from.
var errMoveSelf = refusal.New(refusal.Invalid, "tenancy: the tree's own top", "tenancy.error.move_self").On("parent")

// AddDaughterWithin creates a daughter named name under parentID, which
// must lie in the tree of within (the organisation whose tree the actor
// manages, itself included); the daughter takes its parent's language and
// time zone.
func (s *Service) AddDaughterWithin(ctx context.Context, within, parentID int64, name string, locales []string) (*Organisation, error) {
	tree, err := s.Subtree(ctx, within)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(tree, parentID) {
		return nil, ErrOutsideTree
	}
	parent, err := s.ByID(ctx, parentID)
	if err != nil {
		return nil, err
	}
	var org *Organisation
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		var err error
		if org, err = s.CreateDaughter(ctx, parent, Details{Name: name, Locale: parent.Locale, TimeZone: parent.TimeZone}, locales); err != nil {
			return err
		}
		// In the log of the organisation whose tree it is: the daughter's
		// new neighbours learn nothing of who manages them.
		return audit.Note(ctx, s.db.In(ctx), within, "organisation.daughter_created", 0, org.Name)
	})
	return org, err
}

// MoveWithin moves orgID under newParentID, both in the tree of within,
// which itself stays where it is. An organisation outside the tree is not
// found, as if it did not exist.
func (s *Service) MoveWithin(ctx context.Context, within, orgID, newParentID int64) error {
	tree, err := s.Subtree(ctx, within)
	if err != nil {
		return err
	}
	switch {
	case !slices.Contains(tree, orgID):
		return ErrNotFound
	case !slices.Contains(tree, newParentID):
		return ErrOutsideTree
	case orgID == within:
		return errMoveSelf
	}
	return s.db.Tx(ctx, func(ctx context.Context) error {
		if err := s.Move(ctx, orgID, newParentID); err != nil {
			return err
		}
		return audit.Note(ctx, s.db.In(ctx), within, "organisation.daughter_moved", 0, strconv.FormatInt(orgID, 10)+" → "+strconv.FormatInt(newParentID, 10))
	})
}
