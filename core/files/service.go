package files

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/secrets"
	"github.com/atriumhq/atrium/core/store"
)

// Allowance is what an organisation's subscription allows: the subscriber
// whose storage its files use, that storage and the largest file, in
// bytes (0: the installation's).
type Allowance struct {
	SubscriberID int64
	QuotaBytes   int64
	MaxFileBytes int64
}

// Plans tells what an organisation's subscription allows.
type Plans func(ctx context.Context, orgID int64) (Allowance, error)

// Service stores, finds and removes files.
type Service struct {
	db      *store.DB
	store   Backend
	plans   Plans
	maxFile int64 // the installation's largest file
	quota   int64 // the storage a subscription has unless it says otherwise
	log     *slog.Logger
}

// NewService returns the file service over a backend. maxFileMB and
// quotaMB are the installation's largest file and default storage.
func NewService(db *store.DB, backend Backend, plans Plans, maxFileMB, quotaMB int, log *slog.Logger) *Service {
	return &Service{db: db, store: backend, plans: plans, maxFile: int64(maxFileMB) << 20, quota: int64(quotaMB) << 20, log: log}
}

// Backend is where the bytes are kept.
func (s *Service) Backend() Backend { return s.store }

// Upload says what a file to store is and where it may go.
type Upload struct {
	OrganisationID int64
	Owner          string // the module that keeps it ("core" for the core)
	Ref            string // the owner's record; empty: claimed later
	DossierID      *int64
	Name           string   // as the browser or module gave it; cleaned
	UploadedBy     *int64   // nil: the module made it
	Accept         []string // kinds or types (empty: DefaultKinds)
	MaxBytes       int64    // the use's own bound (0: none beyond the subscription's)
}

// Limit is the largest file an upload may be for an organisation: the
// smallest of the installation's, the subscription's and the use's bounds.
func (s *Service) Limit(a Allowance, use int64) int64 {
	limit := s.maxFile
	if a.MaxFileBytes > 0 && a.MaxFileBytes < limit {
		limit = a.MaxFileBytes
	}
	if use > 0 && use < limit {
		limit = use
	}
	return limit
}

// Allowance is what an organisation's subscription allows, with the
// installation's defaults filled in.
func (s *Service) Allowance(ctx context.Context, orgID int64) (Allowance, error) {
	a, err := s.plans(ctx, orgID)
	if err != nil {
		return a, err
	}
	if a.SubscriberID == 0 {
		return a, ErrNotFound
	}
	if a.QuotaBytes <= 0 {
		a.QuotaBytes = s.quota
	}
	return a, nil
}

// Used is the storage a subscriber's tree uses, in bytes.
func (s *Service) Used(ctx context.Context, subscriberID int64) (int64, error) {
	var used int64
	err := s.db.In(ctx).NewSelect().Model((*File)(nil)).ColumnExpr("COALESCE(SUM(size), 0)").
		Where("subscriber_id = ?", subscriberID).Scan(ctx, &used)
	return used, err
}

// Store streams r into the store and records the file. The type comes from
// the bytes; a file that is empty, of a type the use does not accept,
// larger than allowed or beyond the subscription's storage is refused and
// nothing is kept.
func (s *Service) Store(ctx context.Context, u Upload, r io.Reader) (*File, error) {
	a, err := s.Allowance(ctx, u.OrganisationID)
	if err != nil {
		return nil, err
	}
	used, err := s.Used(ctx, a.SubscriberID)
	if err != nil {
		return nil, err
	}
	room := a.QuotaBytes - used
	if room <= 0 {
		return nil, ErrQuota
	}
	head := make([]byte, sniffBytes)
	n, err := io.ReadFull(r, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if n == 0 {
		return nil, ErrEmpty
	}
	base, full := detect(head[:n])
	if !Accepts(u.Accept, base) {
		return nil, ErrType
	}
	limit := s.Limit(a, u.MaxBytes)
	sum := sha256.New()
	body := &bounded{r: io.TeeReader(io.MultiReader(bytes.NewReader(head[:n]), r), sum), left: min(limit, room)}
	key := fmt.Sprintf("o%d/%s/%s", u.OrganisationID, time.Now().UTC().Format("2006-01"), secrets.Token(18))
	if err := s.store.Put(ctx, key, body); err != nil {
		if errors.Is(err, errBeyond) || body.beyond {
			if limit <= room {
				return nil, ErrTooLarge
			}
			return nil, ErrQuota
		}
		return nil, fmt.Errorf("files: storing in the %s: %w", s.store.Name(), err)
	}
	f := &File{OrganisationID: u.OrganisationID, SubscriberID: a.SubscriberID, Owner: u.Owner, Ref: u.Ref, DossierID: u.DossierID,
		Name: CleanName(u.Name), Size: body.read, ContentType: full, SHA256: hex.EncodeToString(sum.Sum(nil)),
		UploadedBy: u.UploadedBy, CreatedAt: time.Now().UTC(), Key: key}
	if u.Ref != "" {
		f.ClaimedAt = &f.CreatedAt
	}
	err = s.db.Tx(ctx, func(ctx context.Context) error {
		// Uploads to one subscriber take turns here, so two that each fit
		// cannot together pass the storage.
		if err := s.lockSubscriber(ctx, a.SubscriberID); err != nil {
			return err
		}
		used, err := s.Used(ctx, a.SubscriberID)
		if err != nil {
			return err
		}
		if used+f.Size > a.QuotaBytes {
			return ErrQuota
		}
		_, err = s.db.In(ctx).NewInsert().Model(f).Exec(ctx)
		return err
	})
	if err != nil {
		s.forget(key)
		return nil, err
	}
	return f, nil
}

// lockSubscriber serialises the storage checks of one subscriber on
// PostgreSQL (SQLite's writes are one at a time already).
func (s *Service) lockSubscriber(ctx context.Context, subscriberID int64) error {
	if s.db.Kind != "postgres" {
		return nil
	}
	_, err := s.db.In(ctx).ExecContext(ctx, "SELECT pg_advisory_xact_lock(?, ?)", lockClass, subscriberID)
	return err
}

// lockClass is the first key of the files' advisory locks.
const lockClass = 0x6669 // "fi"

// forget removes bytes no row names any more; a failure is logged, and the
// bytes are then only wasted space.
func (s *Service) forget(key string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.store.Delete(ctx, key); err != nil {
		s.log.Warn("files: could not remove stored bytes", "key", key, "error", err)
	}
}

// errBeyond stops a copy that passed its bound.
var errBeyond = errors.New("files: beyond the allowed size")

// bounded passes at most left bytes, counting what it read.
type bounded struct {
	r      io.Reader
	left   int64
	read   int64
	beyond bool
}

func (b *bounded) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.read += int64(n)
	if b.read > b.left {
		b.beyond = true
		return 0, errBeyond
	}
	return n, err
}

// Get finds an organisation's file; another organisation's is not found.
func (s *Service) Get(ctx context.Context, orgID, id int64) (*File, error) {
	f := new(File)
	err := s.db.In(ctx).NewSelect().Model(f).Where("id = ? AND organisation_id = ?", id, orgID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return f, err
}

// GetOwned finds an organisation's file that owner keeps.
func (s *Service) GetOwned(ctx context.Context, orgID int64, owner string, id int64) (*File, error) {
	f, err := s.Get(ctx, orgID, id)
	if err != nil {
		return nil, err
	}
	if f.Owner != owner {
		return nil, ErrNotFound
	}
	return f, nil
}

// Owned finds, in one read, those of the files named that owner keeps in
// the organisation; the others are left out.
func (s *Service) Owned(ctx context.Context, orgID int64, owner string, ids []int64) ([]File, error) {
	var out []File
	if len(ids) == 0 {
		return out, nil
	}
	err := s.db.In(ctx).NewSelect().Model(&out).Where("organisation_id = ? AND owner = ? AND id IN (?)", orgID, owner, bun.List(ids)).
		Order("id").Scan(ctx)
	return out, err
}

// Open reads a file's bytes from offset, length of them (< 0: to the end).
func (s *Service) Open(ctx context.Context, f *File, offset, length int64) (io.ReadCloser, error) {
	rc, err := s.store.Open(ctx, f.Key, offset, length)
	if errors.Is(err, errMissing) {
		return nil, fmt.Errorf("files: file %d has no bytes in the %s", f.ID, s.store.Name())
	}
	return rc, err
}

// List gives the files an owner keeps for one of its records, oldest first.
func (s *Service) List(ctx context.Context, orgID int64, owner, ref string) ([]File, error) {
	var out []File
	err := s.db.In(ctx).NewSelect().Model(&out).Where("organisation_id = ? AND owner = ? AND ref = ?", orgID, owner, ref).
		Order("id").Scan(ctx)
	return out, err
}

// Claim attaches uploads an owner received to one of its records (and a
// dossier, where they belong to one): files of the owner in the
// organisation not yet claimed, that by uploaded (0: files the owner made
// itself). A file is claimed once: one record's file never moves to
// another's by a form naming its id. It tells how many were claimed.
func (s *Service) Claim(ctx context.Context, orgID int64, owner string, by int64, ids []int64, ref string, dossierID *int64) (int, error) {
	if ref == "" || len(ids) == 0 {
		return 0, nil
	}
	now := time.Now().UTC()
	q := s.db.In(ctx).NewUpdate().Model((*File)(nil)).
		Set("ref = ?", ref).Set("dossier_id = ?", dossierID).Set("claimed_at = ?", now).
		Where("organisation_id = ? AND owner = ? AND id IN (?) AND claimed_at IS NULL", orgID, owner, bun.List(ids))
	if by != 0 {
		q = q.Where("uploaded_by = ?", by)
	} else {
		q = q.Where("uploaded_by IS NULL")
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// Delete removes an organisation's file that owner keeps: its row at
// once, its bytes after.
func (s *Service) Delete(ctx context.Context, orgID int64, owner string, id int64) error {
	f, err := s.GetOwned(ctx, orgID, owner, id)
	if err != nil {
		return err
	}
	if _, err := s.db.In(ctx).NewDelete().Model(f).WherePK().Exec(ctx); err != nil {
		return err
	}
	s.forget(f.Key)
	return nil
}

// Forget removes uploads an owner never claimed, at once: those of a form
// it refused. A nil service or no ids do nothing.
func (s *Service) Forget(ctx context.Context, orgID int64, owner string, ids []int64) {
	if s == nil || len(ids) == 0 {
		return
	}
	var gone []File
	err := s.db.NewDelete().Model(&gone).Where("organisation_id = ? AND owner = ? AND claimed_at IS NULL AND id IN (?)", orgID, owner, bun.List(ids)).
		Returning("storage_key").Scan(ctx)
	if err != nil {
		s.log.Warn("files: could not remove refused uploads", "error", err)
		return
	}
	for _, f := range gone {
		s.forget(f.Key)
	}
}

// Sweep removes uploads nobody claimed within a day: a form refused after
// its files arrived, or abandoned.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	var gone []File
	err := s.db.NewDelete().Model(&gone).
		Where("claimed_at IS NULL AND created_at < ?", time.Now().UTC().Add(-24*time.Hour)).
		Returning("storage_key").Scan(ctx)
	if err != nil {
		return 0, err
	}
	for _, f := range gone {
		s.forget(f.Key)
	}
	return len(gone), nil
}
