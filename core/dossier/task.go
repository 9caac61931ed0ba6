package dossier

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/access"
	"github.com/atriumhq/atrium/core/refusal"
)

// Task statuses.
const (
	TaskOpen     = "open"
	TaskDone     = "done"
	TaskDeclined = "declined"
)

// Task kinds.
const (
	TaskExtend = "extend" // extend a trajectory
	TaskOther  = "request"
)

// TaskKinds lists the kinds offered.
var TaskKinds = []string{TaskExtend, TaskOther}

// ErrTaskHandled refuses handling a task someone has just handled; its text
// is the message id that says so.
var ErrTaskHandled = refusal.New(refusal.Conflict, "dossier: the task was handled already", "dossier.error.task_handled")

// Task is a request about a dossier for the people who handle them (an
// employer contact deciding on an extension), done or declined with a comment.
// A task is between staff (the coach and the employer contact) unless it is
// marked for the person: the person whose dossier it is never sees, counts
// or is told of the others.
type Task struct {
	bun.BaseModel `bun:"table:dossier_tasks"`

	ID             int64      `bun:"id,pk,autoincrement"`
	OrganisationID int64      `bun:"organisation_id,notnull"`
	DossierID      int64      `bun:"dossier_id,notnull"`
	Kind           string     `bun:"kind,notnull"`
	Note           string     `bun:"note,notnull"`
	ForPerson      bool       `bun:"for_person,notnull"`
	Status         string     `bun:"status,notnull"`
	RequestedBy    int64      `bun:"requested_by,notnull"`
	HandledBy      *int64     `bun:"handled_by"`
	Comment        string     `bun:"comment,notnull"`
	CreatedAt      time.Time  `bun:"created_at,notnull"`
	HandledAt      *time.Time `bun:"handled_at"`
}

// TaskRow is a task in a list, with its dossier's and requester's names.
type TaskRow struct {
	Task
	DossierName   string `bun:"dossier_name"`
	RequesterName string `bun:"requester_name"`
}

// VisibleTo tells whether the person may see the task of dossier d: the
// person whose dossier it is sees only the tasks marked for them. Lists ask
// the same of the database with visibleTasks.
func (t *Task) VisibleTo(d *Dossier, userID int64) bool {
	return t.ForPerson || d.UserID == nil || *d.UserID != userID
}

// visibleTasks keeps, of a query over dossier_tasks AS t joined with
// dossiers AS d, the tasks the person may see (Task.VisibleTo).
func visibleTasks(userID int64) func(*bun.SelectQuery) *bun.SelectQuery {
	return func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Where("(t.for_person = ? OR d.user_id IS NULL OR d.user_id <> ?)", true, userID)
	}
}

// TaskRequest is what a task is filed with.
type TaskRequest struct {
	Kind string
	Note string
	// ForPerson shows the task to the person whose dossier it is; without
	// it the task stays between staff.
	ForPerson bool
}

// Request files a task about a dossier; it needs Edit (the coach asks).
func (s *Service) Request(ctx context.Context, who Who, dossierID int64, r TaskRequest, ip string) (*Task, error) {
	kind, note := r.Kind, strings.TrimSpace(r.Note)
	inv := &Invalid{}
	if !slices.Contains(TaskKinds, kind) {
		inv.Add("kind", "form.choose")
	}
	if kind == TaskOther && note == "" {
		inv.Add("note", "form.required")
	}
	if utf8.RuneCountInString(note) > 2000 {
		inv.Add("note", "form.too_long")
	}
	if err := inv.OrNil(); err != nil {
		return nil, err
	}
	var t *Task
	var d *Dossier
	err := s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		var err error
		if d, err = openIn(ctx, tx, who, dossierID, Edit); err != nil {
			return err
		}
		t = &Task{OrganisationID: d.OrganisationID, DossierID: d.ID, Kind: kind, Note: note, ForPerson: r.ForPerson, Status: TaskOpen, RequestedBy: who.UserID, CreatedAt: s.Now().UTC()}
		if _, err := tx.NewInsert().Model(t).Exec(ctx); err != nil {
			return err
		}
		return record(ctx, tx, who, d, "dossier.task_requested", ip, kind)
	})
	if err != nil {
		return nil, err
	}
	// "@name" in the note tells that member of the dossier, never the
	// person of a task between staff.
	return t, s.mention(ctx, d, who.UserID, note, r.ForPerson)
}

// tasks selects tasks with the names lists show.
func (s *Service) tasks() *bun.SelectQuery {
	return s.db.NewSelect().TableExpr("dossier_tasks AS t").ColumnExpr("t.*").
		ColumnExpr(fullName("d") + " AS dossier_name").
		ColumnExpr("COALESCE(" + fullName("u") + ", '') AS requester_name").
		Join("JOIN dossiers AS d ON d.id = t.dossier_id").
		Join("LEFT JOIN users AS u ON u.id = t.requested_by")
}

// Tasks lists an organisation's tasks with a status, oldest open first, for
// the people who handle them.
func (s *Service) Tasks(ctx context.Context, who Who, status string) ([]TaskRow, error) {
	if !who.Can.Has(access.TasksHandle) || who.OrgID == 0 {
		return nil, ErrForbidden
	}
	var rows []TaskRow
	q := s.tasks().Where("t.organisation_id = ? AND t.status = ?", who.OrgID, status).Apply(visibleTasks(who.UserID))
	if status == TaskOpen {
		q = q.OrderExpr("t.id")
	} else {
		q = q.OrderExpr("t.handled_at DESC").Limit(200)
	}
	return rows, q.Scan(ctx, &rows)
}

// OpenTasks counts an organisation's open tasks that the person may see, for
// the navigation's badge.
func (s *Service) OpenTasks(ctx context.Context, orgID, userID int64) (int, error) {
	n, err := s.db.NewSelect().TableExpr("dossier_tasks AS t").Join("JOIN dossiers AS d ON d.id = t.dossier_id").
		Where("t.organisation_id = ? AND t.status = ?", orgID, TaskOpen).Apply(visibleTasks(userID)).Count(ctx)
	return int(n), err
}

// TasksOf lists the tasks of dossier d that who may see, newest first;
// callers have opened the dossier.
func (s *Service) TasksOf(ctx context.Context, who Who, d *Dossier) ([]TaskRow, error) {
	var rows []TaskRow
	return rows, s.tasks().Where("t.dossier_id = ?", d.ID).Apply(visibleTasks(who.UserID)).OrderExpr("t.id DESC").Limit(50).Scan(ctx, &rows)
}

// TaskOf reads one task of dossier d for who; callers have opened the
// dossier. A task of another dossier, or one hidden from who, is
// ErrNotFound, exactly as one that does not exist.
func (s *Service) TaskOf(ctx context.Context, who Who, d *Dossier, taskID int64) (*TaskRow, error) {
	row := new(TaskRow)
	err := s.tasks().Where("t.id = ? AND t.dossier_id = ?", taskID, d.ID).Scan(ctx, row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if !row.VisibleTo(d, who.UserID) {
		return nil, ErrNotFound
	}
	return row, nil
}

// Handle marks an open task done or declined; a decline needs a comment.
// Two people handling one task at once: one wins, the other is told.
func (s *Service) Handle(ctx context.Context, who Who, taskID int64, done bool, comment, ip string) error {
	if !who.Can.Has(access.TasksHandle) {
		return ErrForbidden
	}
	comment = strings.TrimSpace(comment)
	if !done && comment == "" {
		return &Invalid{Fields: map[string]string{"comment": "dossier.error.decline_comment"}}
	}
	if utf8.RuneCountInString(comment) > 2000 {
		return &Invalid{Fields: map[string]string{"comment": "form.too_long"}}
	}
	status := TaskDeclined
	if done {
		status = TaskDone
	}
	return s.db.Tx(ctx, func(ctx context.Context) error {
		tx := s.db.In(ctx)
		t := new(Task)
		err := tx.NewSelect().Model(t).Where("id = ? AND organisation_id = ?", taskID, who.OrgID).Scan(ctx)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		d, err := get(ctx, tx, t.DossierID)
		if err != nil {
			return err
		}
		if !t.VisibleTo(d, who.UserID) { // a handler's own dossier's task between staff
			return ErrNotFound
		}
		now := s.Now().UTC()
		res, err := tx.NewUpdate().Model((*Task)(nil)).
			Set("status = ?, handled_by = ?, comment = ?, handled_at = ?", status, who.UserID, comment, now).
			Where("id = ? AND status = ?", t.ID, TaskOpen).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrTaskHandled
		}
		return record(ctx, tx, who, d, "dossier.task_"+status, ip, comment)
	})
}
