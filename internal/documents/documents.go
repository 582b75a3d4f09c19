// Package documents is the application service of users' documents
// (résumés and cover letters): upload, list, read, download, choose the
// default of a kind, delete. Like internal/accounts it owns its
// transactions; the store only runs queries and the blob store only keeps
// bytes.
//
// Bytes and rows are never half written: an upload writes the bytes first
// (checked whole by the blob store), then the row; a row that cannot be
// written takes its bytes back out, and bytes that cannot be written leave
// no row. A row without bytes would be a document nobody can download; bytes
// without a row are invisible garbage at worst.
//
// Lock order: the user's quota advisory lock (DocumentLockUser), its
// uploads counter, the user-and-kind advisory lock (DocumentLockKind),
// then document rows. Only the changes that choose a default take the advisory
// lock (an upload that may become the first default, SetDefault), so two of
// them never both make a default; a delete locks its one row.
package documents

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres"
)

// Blobs is where the service keeps documents' bytes (a *blob.Store).
type Blobs interface {
	// Put writes data under key and fails unless the store holds all of it.
	Put(ctx context.Context, key, contentType string, data []byte) error
	// Get reads the bytes under key; the caller closes the reader.
	Get(ctx context.Context, key string) (io.ReadCloser, error)
	// Delete removes the bytes under key; a missing key is not an error.
	Delete(ctx context.Context, key string) error
}

// Options configure a Service.
type Options struct {
	Pool  *pgxpool.Pool
	Blobs Blobs
	Log   *zap.Logger
	// MaxBytes is the largest document (documents.max_bytes);
	// domain.DefaultMaxDocumentBytes when zero.
	MaxBytes int64
	// Quotas bound each user's uploads per day and stored bytes
	// (UploadsPerDay, StoredBytes; zero: none).
	Quotas domain.Quotas
	// OnDefault, when set, is told (after the commit) that a user has a new
	// default document of a kind: the application service queues again the
	// tasks that waited for one. Its error is logged; the document stands.
	OnDefault func(ctx context.Context, userID domain.ID, kind domain.DocumentKind) error
}

// Service is the documents service.
type Service struct {
	tx    *postgres.Transactor
	store *postgres.Store
	o     Options
}

// New returns the service.
func New(o Options) *Service {
	if o.Log == nil {
		o.Log = zap.NewNop()
	}
	if o.MaxBytes == 0 {
		o.MaxBytes = domain.DefaultMaxDocumentBytes
	}
	tx := postgres.NewTransactor(o.Pool, o.Log)
	return &Service{tx: tx, store: tx.Store(), o: o}
}

// MaxBytes is the largest document Upload takes.
func (s *Service) MaxBytes() int64 { return s.o.MaxBytes }

// FormOverhead is what an upload form may carry beyond the document
// (multipart boundaries and part headers, the kind and name fields).
const FormOverhead = 64 << 10

// MaxFormBytes is the largest upload request body the edges read:
// MaxBytes plus FormOverhead, so a file one byte over the limit still
// arrives whole enough to be answered "too large" in words.
func (s *Service) MaxFormBytes() int64 { return s.o.MaxBytes + FormOverhead }

// Upload stores a document of the user's: kind is resume or cover_letter,
// name its display name (empty: from the filename), filename the client's
// name for the file, r its bytes. It reads at most MaxBytes+1 bytes: a
// larger file is ETOOLARGE. The type is decided from the bytes alone
// (domain.SniffDocument: PDF or DOCX, else EINVALID saying what to upload
// instead). The first document of a kind becomes its default. The user's
// quotas are checked before any byte is stored: an upload over the
// uploads of the day is ERATELIMITED (until the next UTC day), one that
// would take the user's documents past their stored bytes EQUOTA
// (checked again with the row, under the user's quota lock, so two
// uploads at once cannot both squeeze in). Errors: EINVALID, ETOOLARGE,
// ERATELIMITED, EQUOTA; anything else is the store's or the blob store's.
func (s *Service) Upload(ctx context.Context, userID domain.ID, kind, name, filename string, r io.Reader) (*domain.Document, error) {
	up := domain.DocumentUpload{Kind: domain.DocumentKind(kind), Name: name, Filename: filename}
	if err := up.Validate(); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(r, s.o.MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading the upload: %w", err)
	}
	if int64(len(data)) > s.o.MaxBytes {
		return nil, domain.DocumentTooLarge(s.o.MaxBytes)
	}
	contentType, err := domain.SniffDocument(data)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	d := &domain.Document{ID: domain.NewID(), UserID: userID, Kind: up.Kind, ContentType: contentType, Size: int64(len(data)),
		SHA256: hex.EncodeToString(sum[:])}
	d.Name, d.Filename = up.Names(contentType)
	d.BlobKey = domain.DocumentBlobKey(userID, d.ID)

	// The day's uploads are counted (a refused upload counts nothing) and
	// the room checked before any byte is stored.
	err = s.tx.InTx(ctx, func(st *postgres.Store) error {
		if err := st.QuotaHit(ctx, s.o.Quotas.Uploads(userID), "too many uploads today"); err != nil {
			return err
		}
		return s.checkRoom(ctx, st, userID, d.Size)
	})
	if err != nil {
		return nil, err
	}
	if err := s.o.Blobs.Put(ctx, d.BlobKey, contentType, data); err != nil {
		return nil, err
	}
	var out *domain.Document
	err = s.tx.InTx(ctx, func(st *postgres.Store) error {
		if err := s.checkRoom(ctx, st, userID, d.Size); err != nil {
			return err
		}
		if err := st.DocumentLockKind(ctx, userID, d.Kind); err != nil {
			return err
		}
		var err error
		out, err = st.DocumentInsert(ctx, d, true)
		return err
	})
	if err != nil {
		// The bytes go too, even when the request was cancelled.
		if delErr := s.o.Blobs.Delete(context.WithoutCancel(ctx), d.BlobKey); delErr != nil {
			s.o.Log.Error("removing the bytes of a document whose row was not written", zap.String("blob_key", d.BlobKey), zap.Error(delErr))
		}
		return nil, err
	}
	s.o.Log.Info("document uploaded", zap.Stringer("user_id", userID), zap.Stringer("document_id", out.ID), zap.String("kind", string(out.Kind)),
		zap.String("content_type", contentType), zap.Int64("size", out.Size), zap.Bool("default", out.IsDefault))
	if out.IsDefault {
		s.defaultChanged(ctx, userID, out.Kind)
	}
	return out, nil
}

// checkRoom takes the user's quota lock in st's transaction and refuses
// (EQUOTA) a document of size that would take their documents past the
// stored-bytes quota.
func (s *Service) checkRoom(ctx context.Context, st *postgres.Store, userID domain.ID, size int64) error {
	if s.o.Quotas.StoredBytes <= 0 {
		return nil
	}
	if err := st.DocumentLockUser(ctx, userID); err != nil {
		return err
	}
	stored, err := st.DocumentStoredBytes(ctx, userID)
	if err != nil {
		return err
	}
	if stored+size > s.o.Quotas.StoredBytes {
		return domain.StorageFull(stored, size, s.o.Quotas.StoredBytes)
	}
	return nil
}

// defaultChanged tells OnDefault that the user has a new default of kind.
func (s *Service) defaultChanged(ctx context.Context, userID domain.ID, kind domain.DocumentKind) {
	if s.o.OnDefault == nil {
		return
	}
	if err := s.o.OnDefault(context.WithoutCancel(ctx), userID, kind); err != nil {
		s.o.Log.Error("queuing the tasks that waited for a document failed; resume them by hand", zap.Stringer("user_id", userID),
			zap.String("kind", string(kind)), zap.Error(err))
	}
}

// List returns the user's documents that are not deleted, newest first; of
// one kind when kind is set.
func (s *Service) List(ctx context.Context, userID domain.ID, kind *domain.DocumentKind) ([]*domain.Document, error) {
	return s.store.DocumentList(ctx, userID, kind)
}

// Get returns one of the user's documents, a deleted one included (its
// DeletedAt set: a packet that carried it still names it). ENOTFOUND for
// another user's.
func (s *Service) Get(ctx context.Context, userID, id domain.ID) (*domain.Document, error) {
	return s.store.DocumentGet(ctx, userID, id)
}

// Open returns the content of one of the user's documents and the
// document; the caller closes the reader. A deleted document is ENOTFOUND,
// like another user's: the user deleted it, so the user cannot download it
// (its bytes may still be kept as the evidence of what an application sent,
// see OpenForApplication).
func (s *Service) Open(ctx context.Context, userID, id domain.ID) (io.ReadCloser, *domain.Document, error) {
	d, err := s.store.DocumentGet(ctx, userID, id)
	if err != nil {
		return nil, nil, err
	}
	if d.DeletedAt != nil {
		return nil, nil, domain.Errorf(domain.ENOTFOUND, "document not found (deleted)")
	}
	return s.open(ctx, d)
}

// OpenForApplication is Open for appliers and evidence: a document the user
// deleted after a packet carried it still opens while its bytes are kept.
// A document whose bytes were removed is ENOTFOUND.
func (s *Service) OpenForApplication(ctx context.Context, userID, id domain.ID) (io.ReadCloser, *domain.Document, error) {
	d, err := s.store.DocumentGet(ctx, userID, id)
	if err != nil {
		return nil, nil, err
	}
	if d.ContentDeletedAt != nil {
		return nil, nil, domain.Errorf(domain.ENOTFOUND, "the content of document %s was removed when it was deleted", d.ID)
	}
	return s.open(ctx, d)
}

// open reads a document's bytes. Bytes missing for a row that says they are
// kept are a fault of the store, not the user's: an internal error.
func (s *Service) open(ctx context.Context, d *domain.Document) (io.ReadCloser, *domain.Document, error) {
	rc, err := s.o.Blobs.Get(ctx, d.BlobKey)
	if err != nil {
		return nil, nil, fmt.Errorf("document %s: %w", d.ID, err)
	}
	return rc, d, nil
}

// SetDefault makes one of the user's documents (not deleted) the default of
// its kind; the previous default is no longer. ENOTFOUND for another user's
// or a deleted one.
func (s *Service) SetDefault(ctx context.Context, userID, id domain.ID) (*domain.Document, error) {
	var out *domain.Document
	err := s.tx.InTx(ctx, func(st *postgres.Store) error {
		d, err := st.DocumentGet(ctx, userID, id)
		if err != nil {
			return err
		}
		if d.DeletedAt != nil {
			return domain.Errorf(domain.ENOTFOUND, "document not found (deleted)")
		}
		if err := st.DocumentLockKind(ctx, userID, d.Kind); err != nil {
			return err
		}
		out, err = st.DocumentSetDefault(ctx, userID, id, d.Kind)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.defaultChanged(ctx, userID, out.Kind)
	return out, nil
}

// Delete deletes one of the user's documents. Its row stays, forever (a
// packet that carried it can still show its name and sha256), marked
// deleted and no longer the default; no other document becomes the default
// in its place (the user chooses). Its bytes are removed from the blob
// store unless a packet that left, may have left, or is on its way carries
// it (a task that ever entered submitting — sent, paused as "outcome
// unknown", failed by the receiver — or one awaiting approval or approved):
// then they are kept as the evidence of what was sent. ENOTFOUND for another user's document
// or one deleted already.
//
// The bytes are removed after the row commits; if that fails, the delete
// still stands (the error is logged, content_deleted_at stays empty and the
// bytes can be removed later).
func (s *Service) Delete(ctx context.Context, userID, id domain.ID) error {
	var d *domain.Document
	var inPacket bool
	err := s.tx.InTx(ctx, func(st *postgres.Store) error {
		var err error
		if d, err = st.DocumentSoftDelete(ctx, userID, id); err != nil {
			return err
		}
		inPacket, err = st.DocumentInPacket(ctx, userID, id)
		return err
	})
	if err != nil {
		return err
	}
	log := s.o.Log.With(zap.Stringer("user_id", userID), zap.Stringer("document_id", id))
	if inPacket {
		log.Info("document deleted; its bytes are kept: a packet that was sent or is on its way carries it")
		return nil
	}
	ctx = context.WithoutCancel(ctx) // the row is deleted: finish the job
	if err := s.o.Blobs.Delete(ctx, d.BlobKey); err != nil {
		log.Error("document deleted, but removing its bytes failed", zap.String("blob_key", d.BlobKey), zap.Error(err))
		return nil
	}
	if err := s.store.DocumentContentDeleted(ctx, id); err != nil {
		log.Error("document's bytes removed, but recording it failed", zap.Error(err))
		return nil
	}
	log.Info("document deleted with its bytes")
	return nil
}
