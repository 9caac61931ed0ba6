// Package files owns the files people upload and modules keep: where their
// bytes live (a local folder or an S3-compatible store), what each one is
// (name, size, type taken from its bytes, SHA-256), whom it belongs to (an
// organisation, and a module's record or a dossier) and how much of its
// subscription's storage an organisation uses.
//
// A file's bytes are streamed from the request to the store and back,
// never held whole in memory.
package files

import (
	"time"

	"github.com/uptrace/bun"

	"github.com/atriumhq/atrium/core/refusal"
)

// File is one stored file.
type File struct {
	bun.BaseModel `bun:"table:files"`

	ID             int64 `bun:"id,pk,autoincrement"`
	OrganisationID int64 `bun:"organisation_id,notnull"`
	// SubscriberID is the root of the organisation's tree, whose
	// subscription's storage the file uses.
	SubscriberID int64 `bun:"subscriber_id,notnull"`
	// Owner is the module that keeps the file ("core" for the core's own).
	Owner string `bun:"owner,notnull"`
	// Ref is the owner's record the file belongs to, in the owner's own
	// words (such as "post:12"); empty while an upload waits to be claimed.
	Ref string `bun:"ref,notnull"`
	// DossierID is the dossier the file belongs to, where it belongs to one.
	DossierID   *int64 `bun:"dossier_id"`
	Name        string `bun:"name,notnull"`
	Size        int64  `bun:"size,notnull"`
	ContentType string `bun:"content_type,notnull"`
	SHA256      string `bun:"sha256,notnull"`
	// UploadedBy is the person who uploaded it; nil for a file a module made.
	UploadedBy *int64    `bun:"uploaded_by"`
	CreatedAt  time.Time `bun:"created_at,notnull"`
	// ClaimedAt is when its owner attached it to a record; unclaimed
	// uploads are swept after a day.
	ClaimedAt *time.Time `bun:"claimed_at"`
	// Key is where the bytes are in the store.
	Key string `bun:"storage_key,notnull"`
}

// ETag is the file's strong entity tag: its bytes' SHA-256.
func (f *File) ETag() string { return `"` + f.SHA256 + `"` }

// Refusals a file can meet.
var (
	ErrNotFound = refusal.New(refusal.NotFound, "files: no such file", "files.error.not_found")
	ErrEmpty    = refusal.New(refusal.Invalid, "files: the file is empty", "files.error.empty")
	ErrTooLarge = refusal.New(refusal.Invalid, "files: the file is larger than allowed", "files.error.too_large")
	ErrType     = refusal.New(refusal.Invalid, "files: this kind of file is not accepted here", "files.error.type")
	ErrQuota    = refusal.New(refusal.Conflict, "files: the organisation's storage is full", "files.error.quota")
	ErrTooMany  = refusal.New(refusal.Invalid, "files: more files than allowed", "files.error.too_many")
)
