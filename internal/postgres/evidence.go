package postgres

import (
	"context"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/internal/dbsqlc"
)

func evidenceFromRow(r *dbsqlc.TaskEvidence) *domain.EvidenceRecord {
	return &domain.EvidenceRecord{ID: r.ID, TaskID: r.TaskID, UserID: r.UserID, Kind: r.Kind, ContentType: r.ContentType,
		Size: r.SizeBytes, BlobKey: r.BlobKey, Applier: r.Applier, CreatedAt: r.CreatedAt}
}

// EvidenceAdd records a piece of evidence whose bytes are stored.
func (s *Store) EvidenceAdd(ctx context.Context, e *domain.EvidenceRecord) (*domain.EvidenceRecord, error) {
	r, err := s.q.EvidenceInsert(ctx, dbsqlc.EvidenceInsertParams{ID: e.ID, TaskID: e.TaskID, UserID: e.UserID, Kind: e.Kind,
		ContentType: e.ContentType, SizeBytes: e.Size, BlobKey: e.BlobKey, Applier: e.Applier})
	if err != nil {
		return nil, err
	}
	return evidenceFromRow(r), nil
}

// Evidence lists what appliers saw while applying one of the user's tasks.
func (s *Store) Evidence(ctx context.Context, userID, taskID domain.ID) ([]*domain.EvidenceRecord, error) {
	rows, err := s.q.EvidenceListByTask(ctx, dbsqlc.EvidenceListByTaskParams{TaskID: taskID, UserID: userID})
	if err != nil {
		return nil, err
	}
	out := make([]*domain.EvidenceRecord, len(rows))
	for i, r := range rows {
		out[i] = evidenceFromRow(r)
	}
	return out, nil
}

// EvidenceGet returns one piece of evidence of one of the user's tasks.
func (s *Store) EvidenceGet(ctx context.Context, userID, taskID, id domain.ID) (*domain.EvidenceRecord, error) {
	r, err := s.q.EvidenceGet(ctx, dbsqlc.EvidenceGetParams{ID: id, TaskID: taskID, UserID: userID})
	if err != nil {
		return nil, notFound(err, "evidence")
	}
	return evidenceFromRow(r), nil
}
