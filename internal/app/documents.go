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

// openBlobs opens the blob store of blob.url (documents, evidence); with
// no blob.url (a process that reads none: App.Services leaves it out for
// them) there is none.
func openBlobs(cfg *config.Config) (*blob.Store, error) {
	if cfg.Blob.URL == "" {
		return nil, nil
	}
	store, err := blob.Open(context.Background(), cfg.Blob.URL)
	if err != nil {
		return nil, fmt.Errorf("blob.url (%s): %w", config.EnvName("blob.url"), err)
	}
	return store, nil
}

// openDocuments builds the documents service on the services' blob store
// (none without one).
func openDocuments(s *Services, cfg *config.Config, log *zap.Logger) {
	if s.Blobs == nil {
		return
	}
	s.Documents = documents.New(documents.Options{Pool: s.DB.Pool, Blobs: s.Blobs, Log: log, MaxBytes: cfg.Documents.MaxBytes, Quotas: Quotas(cfg.Quotas),
		OnDefault: func(ctx context.Context, userID domain.ID, kind domain.DocumentKind) error {
			_, err := s.Tasks.DocumentsChanged(ctx, userID, kind, domain.UserActor(userID))
			return err
		}})
}
