package postgres

import (
	"context"
	"encoding/hex"
	"fmt"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/internal/dbsqlc"
)

func documentFromRow(r *dbsqlc.Document) *domain.Document {
	return &domain.Document{ID: r.ID, UserID: r.UserID, Kind: domain.DocumentKind(r.Kind), Name: r.Name, Filename: r.Filename,
		ContentType: r.ContentType, Size: r.SizeBytes, SHA256: hex.EncodeToString(r.Sha256), IsDefault: r.IsDefault,
		BlobKey: r.BlobKey, CreatedAt: r.CreatedAt, DeletedAt: r.DeletedAt, ContentDeletedAt: r.ContentDeletedAt}
}

func documentOrNotFound(r *dbsqlc.Document, err error) (*domain.Document, error) {
	if err != nil {
		return nil, notFound(err, "document")
	}
	return documentFromRow(r), nil
}

// DocumentLockKind serialises, until the transaction ends, the changes that
// choose the user's default document of kind. Take it before any document
// row.
func (s *Store) DocumentLockKind(ctx context.Context, userID domain.ID, kind domain.DocumentKind) error {
	return s.q.DocumentLockKind(ctx, dbsqlc.DocumentLockKindParams{UserID: userID, Kind: string(kind)})
}

// DocumentInsert stores a document's metadata (its bytes are in the blob
// store already). With defaultIfNone it becomes the default of its kind
// when the user has none; hold DocumentLockKind for that.
func (s *Store) DocumentInsert(ctx context.Context, d *domain.Document, defaultIfNone bool) (*domain.Document, error) {
	sum, err := hex.DecodeString(d.SHA256)
	if err != nil {
		return nil, fmt.Errorf("document sha256: %w", err)
	}
	r, err := s.q.DocumentInsert(ctx, dbsqlc.DocumentInsertParams{ID: d.ID, UserID: d.UserID, Kind: string(d.Kind), Name: d.Name,
		Filename: d.Filename, ContentType: d.ContentType, SizeBytes: d.Size, Sha256: sum, BlobKey: d.BlobKey, DefaultIfNone: defaultIfNone})
	if err != nil {
		return nil, err
	}
	return documentFromRow(r), nil
}

// DocumentGet returns one of the user's documents, a deleted one included
// (its DeletedAt set): a packet that carried it still names it.
func (s *Store) DocumentGet(ctx context.Context, userID, id domain.ID) (*domain.Document, error) {
	return documentOrNotFound(s.q.DocumentGetByUser(ctx, dbsqlc.DocumentGetByUserParams{ID: id, UserID: userID}))
}

// DocumentList returns the user's documents that are not deleted, newest
// first; of one kind when kind is set.
func (s *Store) DocumentList(ctx context.Context, userID domain.ID, kind *domain.DocumentKind) ([]*domain.Document, error) {
	var k *string
	if kind != nil {
		s := string(*kind)
		k = &s
	}
	rows, err := s.q.DocumentListByUser(ctx, dbsqlc.DocumentListByUserParams{UserID: userID, Kind: k})
	if err != nil {
		return nil, err
	}
	out := make([]*domain.Document, len(rows))
	for i, r := range rows {
		out[i] = documentFromRow(r)
	}
	return out, nil
}

// DocumentSetDefault makes one of the user's documents (not deleted) the
// default of its kind, the previous default no longer; ENOTFOUND when there
// is no such document. Hold DocumentLockKind for its kind.
func (s *Store) DocumentSetDefault(ctx context.Context, userID, id domain.ID, kind domain.DocumentKind) (*domain.Document, error) {
	if err := s.q.DocumentClearDefault(ctx, dbsqlc.DocumentClearDefaultParams{UserID: userID, Kind: string(kind), KeepID: id}); err != nil {
		return nil, err
	}
	return documentOrNotFound(s.q.DocumentMakeDefault(ctx, dbsqlc.DocumentMakeDefaultParams{ID: id, UserID: userID}))
}

// DocumentLockUser serialises, for one user, the uploads counted against
// their storage quota (a transaction-scoped advisory lock, taken first).
func (s *Store) DocumentLockUser(ctx context.Context, userID domain.ID) error {
	return s.q.DocumentLockUser(ctx, userID)
}

// DocumentStoredBytes returns the bytes of the user's documents not
// deleted.
func (s *Store) DocumentStoredBytes(ctx context.Context, userID domain.ID) (int64, error) {
	return s.q.DocumentStoredBytes(ctx, userID)
}

// DocumentSoftDelete marks one of the user's documents deleted (the row
// stays, no longer the default) and locks it; ENOTFOUND when there is no
// such document or it was deleted already.
func (s *Store) DocumentSoftDelete(ctx context.Context, userID, id domain.ID) (*domain.Document, error) {
	return documentOrNotFound(s.q.DocumentSoftDelete(ctx, dbsqlc.DocumentSoftDeleteParams{ID: id, UserID: userID}))
}

// DocumentInPacket reports whether a packet of the user's that left, may
// have left, or is on its way carries the document: its task entered
// submitting once (whatever its state now: submitted, paused as "outcome
// unknown", failed by the receiver…), or awaits approval or is approved;
// the task's packet or its approval request's.
func (s *Store) DocumentInPacket(ctx context.Context, userID, id domain.ID) (bool, error) {
	in, err := s.q.DocumentInPacket(ctx, dbsqlc.DocumentInPacketParams{UserID: userID, DocumentID: id})
	return in != nil && *in, err
}

// DocumentContentDeleted records that a deleted document's bytes were
// removed from the blob store.
func (s *Store) DocumentContentDeleted(ctx context.Context, id domain.ID) error {
	return s.q.DocumentContentDeleted(ctx, id)
}

// DocumentsForApplications returns, of the given users, the documents
// their applications may carry: each user's defaults and the documents
// chosen (by runs), those not deleted.
func (s *Store) DocumentsForApplications(ctx context.Context, userIDs, chosen []domain.ID) ([]*domain.Document, error) {
	if chosen == nil {
		chosen = []domain.ID{}
	}
	rows, err := s.q.DocumentsForApplications(ctx, dbsqlc.DocumentsForApplicationsParams{UserIds: userIDs, ChosenIds: chosen})
	if err != nil {
		return nil, err
	}
	out := make([]*domain.Document, len(rows))
	for i, r := range rows {
		out[i] = documentFromRow(r)
	}
	return out, nil
}

// DocumentsLockForPacket holds (FOR SHARE, in id order) the documents a
// packet being written carries, so that a delete waits for the packet and
// then sees it; it returns how many of ids are not deleted.
func (s *Store) DocumentsLockForPacket(ctx context.Context, ids []domain.ID) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	got, err := s.q.DocumentsLockForPacket(ctx, ids)
	return len(got), err
}
