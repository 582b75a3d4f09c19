package app

import (
	"context"
	"fmt"

	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/blob"
	"github.com/applyq/applyq/internal/config"
	"github.com/applyq/applyq/internal/documents"
	"github.com/applyq/applyq/internal/domain"
)

// openDocuments opens the blob store of blob.url and the documents service
// on it; with no blob.url (a process that reads none: App.Services leaves
// it out for them) there is neither.
func openDocuments(s *Services, cfg *config.Config, log *zap.Logger) error {
	if cfg.Blob.URL == "" {
		return nil
	}
	store, err := blob.Open(context.Background(), cfg.Blob.URL)
	if err != nil {
		return fmt.Errorf("blob.url (%s): %w", config.EnvName("blob.url"), err)
	}
	s.Blobs = store
	s.Documents = documents.New(documents.Options{Pool: s.DB.Pool, Blobs: store, Log: log, MaxBytes: cfg.Documents.MaxBytes,
		OnDefault: func(ctx context.Context, userID domain.ID, kind domain.DocumentKind) error {
			_, err := s.Tasks.DocumentsChanged(ctx, userID, kind, domain.UserActor(userID))
			return err
		}})
	return nil
}
