package privacy

import (
	"archive/zip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/files"
)

// part is one file of the export: what it holds and the query that reads it.
type part struct {
	name  string
	query func(db bun.IDB, userID int64) *bun.SelectQuery
	// yesNo are the columns that say yes or no: SQLite keeps them as 1
	// and 0, and the download says true or false on every database.
	yesNo []string
}

// parts are every table that holds something about a person, with the
// columns worth giving back (never password hashes, keys or tokens).
var parts = []part{
	{"account.json", func(db bun.IDB, id int64) *bun.SelectQuery {
		return db.NewSelect().Table("users").Column("id", "email", "given_name", "name_prefix", "family_name", "phone", "locale", "time_zone",
			"status", "totp_enabled", "terms_accepted_at", "password_changed_at", "created_at", "last_sign_in_at").Where("id = ?", id)
	}, []string{"totp_enabled"}},
	{"memberships.json", func(db bun.IDB, id int64) *bun.SelectQuery {
		return db.NewSelect().TableExpr("members AS m").Join("JOIN organisations AS o ON o.id = m.organisation_id").
			ColumnExpr("o.name AS organisation, m.active, m.web_access, m.created_at").Where("m.user_id = ?", id)
	}, []string{"active", "web_access"}},
	{"roles.json", func(db bun.IDB, id int64) *bun.SelectQuery {
		return db.NewSelect().TableExpr("member_roles AS r").Join("JOIN organisations AS o ON o.id = r.organisation_id").
			ColumnExpr("o.name AS organisation, r.role").Where("r.user_id = ?", id)
	}, nil},
	{"dossiers.json", func(db bun.IDB, id int64) *bun.SelectQuery {
		return db.NewSelect().TableExpr("dossiers AS d").Join("JOIN organisations AS o ON o.id = d.organisation_id").
			ColumnExpr("o.name AS organisation, d.id, d.status, d.personnel_number, d.family_name, d.name_prefix, d.given_name, d.initials, d.gender, d.birth_date").
			ColumnExpr("d.email, d.phone, d.street, d.postcode, d.city, d.country, d.department, d.location, d.cost_centre, d.notes, d.created_at, d.updated_at").
			Where("d.user_id = ?", id)
	}, nil},
	{"trajectories.json", func(db bun.IDB, id int64) *bun.SelectQuery {
		return db.NewSelect().TableExpr("trajectories AS t").
			ColumnExpr("t.dossier_id, t.number, t.product_name, t.start_date, t.end_date, t.sessions_planned, t.sessions_used, t.status, t.classification").
			Where("t.dossier_id IN (SELECT id FROM dossiers WHERE user_id = ?)", id)
	}, nil},
	// Only the tasks marked for the person: the others are between staff,
	// and the person sees them nowhere, this download included.
	{"tasks.json", func(db bun.IDB, id int64) *bun.SelectQuery {
		return db.NewSelect().TableExpr("dossier_tasks AS t").ColumnExpr("t.dossier_id, t.kind, t.note, t.status, t.comment, t.created_at, t.handled_at").
			Where("t.dossier_id IN (SELECT id FROM dossiers WHERE user_id = ?) AND t.for_person = ?", id, true)
	}, nil},
	{"teams.json", func(db bun.IDB, id int64) *bun.SelectQuery {
		return db.NewSelect().TableExpr("team_members AS m").Join("JOIN teams AS t ON t.id = m.team_id").
			ColumnExpr("t.name AS team, m.visible, m.added_at").Where("m.user_id = ?", id)
	}, []string{"visible"}},
	{"notices.json", func(db bun.IDB, id int64) *bun.SelectQuery {
		return db.NewSelect().Table("notices").Column("module", "message", "link", "created_at", "read_at").Where("user_id = ?", id)
	}, nil},
	{"mail_preferences.json", func(db bun.IDB, id int64) *bun.SelectQuery {
		return db.NewSelect().Table("mail_preferences").Column("kind", "enabled").Where("user_id = ?", id)
	}, []string{"enabled"}},
	{"app_passwords.json", func(db bun.IDB, id int64) *bun.SelectQuery {
		return db.NewSelect().Table("app_passwords").Column("name", "created_at", "last_used_at").Where("user_id = ?", id)
	}, nil},
	{"sessions.json", func(db bun.IDB, id int64) *bun.SelectQuery {
		return db.NewSelect().Table("sessions").Column("ip", "user_agent", "created_at", "last_seen_at").Where("user_id = ?", id)
	}, nil},
	{"audit.json", func(db bun.IDB, id int64) *bun.SelectQuery {
		return db.NewSelect().Table("audit_events").Column("action", "ip", "detail", "created_at").
			Where("subject_id = ? OR actor_id = ?", id, id).Order("id")
	}, nil},
}

// Export writes everything the installation keeps about a person as a ZIP:
// one JSON file per kind of record, their photo, the files they uploaded
// and each module's part (modules/<module>/<organisation>/…). The modules
// are asked first: when one does not answer, nothing is written and the
// error (ModuleFailed) names it.
func (s *Service) Export(ctx context.Context, userID int64, w io.Writer) error {
	var modules []ModulePart
	if s.deps.Modules != nil {
		orgs, err := s.organisations(ctx, userID)
		if err != nil {
			return err
		}
		if modules, err = s.deps.Modules.ExportParts(ctx, userID, orgs); err != nil {
			return err
		}
		defer func() {
			for _, m := range modules {
				m.Close()
			}
		}()
	}
	z := zip.NewWriter(w)
	for _, p := range parts {
		var rows []map[string]any
		if err := p.query(s.db, userID).Scan(ctx, &rows); err != nil {
			return err
		}
		for _, row := range rows {
			for _, col := range p.yesNo {
				if n, ok := row[col].(int64); ok {
					row[col] = n != 0
				}
			}
		}
		if err := writeJSON(z, p.name, rows); err != nil {
			return err
		}
	}
	var photo struct {
		Photo []byte `bun:"photo"`
		Type  string `bun:"photo_type"`
	}
	if err := s.db.NewSelect().Table("users").Column("photo", "photo_type").Where("id = ?", userID).Scan(ctx, &photo); err != nil {
		return err
	}
	if len(photo.Photo) > 0 {
		f, err := z.Create("photo." + strings.TrimPrefix(photo.Type, "image/"))
		if err != nil {
			return err
		}
		if _, err := f.Write(photo.Photo); err != nil {
			return err
		}
	}
	for _, m := range modules {
		for _, f := range m.Files {
			r, err := os.Open(f.Path)
			if err != nil {
				return err
			}
			err = writeFile(z, fmt.Sprintf("modules/%s/%d/%s", m.Module, m.OrganisationID, f.Name), r)
			_ = r.Close()
			if err != nil {
				return err
			}
		}
	}
	if err := s.exportFiles(ctx, z, userID); err != nil {
		return err
	}
	if err := writeJSON(z, "README.json", map[string]any{"exported_at": s.Now().UTC().Format(time.RFC3339),
		"about": "Everything this Atrium installation keeps about you, one file per kind of record; the files you uploaded in files/, and each module's own records in modules/<module>/<organisation>/."}); err != nil {
		return err
	}
	return z.Close()
}

// exportFiles adds the files the person uploaded, streamed from the store,
// and a list of them.
func (s *Service) exportFiles(ctx context.Context, z *zip.Writer, userID int64) error {
	if s.deps.Files == nil {
		return nil
	}
	// Only the organisations the person still belongs to: what they left
	// behind in another is that organisation's record.
	var list []files.File
	if err := s.db.NewSelect().Model(&list).Where("uploaded_by = ?", userID).
		Where("organisation_id IN (SELECT organisation_id FROM members WHERE user_id = ?)", userID).Order("id").Scan(ctx); err != nil {
		return err
	}
	type entry struct {
		Name, Module, ContentType string
		Size                      int64
		UploadedAt                time.Time `json:"uploaded_at"`
		Path                      string
	}
	var index []entry
	for i := range list {
		f := &list[i]
		name := fmt.Sprintf("files/%d-%s", f.ID, f.Name)
		rc, err := s.deps.Files.Open(ctx, f, 0, -1)
		if err != nil {
			return err
		}
		err = writeFile(z, name, rc)
		_ = rc.Close()
		if err != nil {
			return err
		}
		index = append(index, entry{Name: f.Name, Module: f.Owner, ContentType: f.ContentType, Size: f.Size, UploadedAt: f.CreatedAt, Path: name})
	}
	return writeJSON(z, "files.json", index)
}

func writeFile(z *zip.Writer, name string, r io.Reader) error {
	f, err := z.Create(name)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, r)
	return err
}

func writeJSON(z *zip.Writer, name string, v any) error {
	f, err := z.Create(name)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
