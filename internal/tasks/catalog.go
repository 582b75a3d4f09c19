package tasks

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/riverqueue/river"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres"
)

// What a user keeps to apply from: job postings and runs.

// IngestJobs stores postings for the user, one canonical key each, in one
// transaction. Invalid inputs are rejected one by one (the others are still
// ingested); a posting seen before (the same URL, even through a tracking
// link) returns the stored job as already_known: never two jobs, so never
// two applications. A link of no known job board is stored tracked only
// (no run takes it); a link of a known board without its title or company
// gets them from the board through a River job (FetchJobDetails), inserted
// in the same transaction.
func (s *Service) IngestJobs(ctx context.Context, userID domain.ID, inputs []domain.JobInput) ([]domain.IngestOutcome, error) {
	out := make([]domain.IngestOutcome, len(inputs))
	err := s.inTx(ctx, func(t *txn) error {
		var details []river.InsertManyParams
		for i, in := range inputs {
			out[i] = domain.IngestOutcome{Index: i}
			key, err := in.Normalize()
			if err != nil {
				out[i].Status, out[i].Error = domain.IngestRejected, err
				continue
			}
			raw := in.Raw
			if raw == nil {
				raw = map[string]any{}
			}
			rawJSON, err := json.Marshal(raw)
			if err != nil {
				out[i].Status, out[i].Error = domain.IngestRejected, domain.Errorf(domain.EINVALID, "raw: %v", err)
				continue
			}
			ins := postgres.JobPostingInsert{UserID: userID, CanonicalKey: key,
				Source: in.Source, ExternalID: in.ExternalID, URL: in.URL, Company: in.Company, Title: in.Title,
				Location: in.Location, Description: in.Description, Raw: rawJSON, TrackedOnly: domain.TrackedOnlyKey(key)}
			// A posting of a known board missing its title or company
			// gets them from the board, in the background; until then
			// the company is the board's name made readable.
			ref, onBoard := domain.ParsePostingURL(in.URL)
			fetch := onBoard && (in.Title == "" || in.Company == "")
			if fetch {
				ins.Details = domain.DetailsFetching
				if in.Company == "" {
					ins.Company, ins.CompanyOrigin = domain.ReadableBoard(ref.Board), domain.CompanyLink
				}
			}
			job, inserted, err := t.st.JobPostingInsertOrGet(ctx, ins)
			if err != nil {
				return fmt.Errorf("ingesting job %d: %w", i, err)
			}
			out[i].Job, out[i].Status = job, domain.IngestAlreadyKnown
			if inserted {
				out[i].Status = domain.IngestCreated
				if fetch {
					details = append(details, river.InsertManyParams{Args: FetchJobDetailsArgs{JobID: job.ID}})
				}
			}
		}
		if len(details) == 0 {
			return nil
		}
		_, err := s.river.InsertManyTx(ctx, t.Tx, details)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CreateRun checks the input (EINVALID naming each bad field) and creates
// an active run for the user.
func (s *Service) CreateRun(ctx context.Context, userID domain.ID, in domain.RunCreate) (*domain.Run, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	if err := s.checkRunDocuments(ctx, userID, in.ResumeDocumentID, in.CoverLetterDocumentID); err != nil {
		return nil, err
	}
	return s.store.RunCreate(ctx, userID, in)
}

// checkRunDocuments refuses documents a run cannot carry: another user's
// or unknown (ENOTFOUND), deleted, or of the other kind (EINVALID).
func (s *Service) checkRunDocuments(ctx context.Context, userID domain.ID, resume, cover *domain.ID) error {
	fields := map[string]string{}
	for _, c := range []struct {
		field string
		id    *domain.ID
		kind  domain.DocumentKind
	}{{"resume_document_id", resume, domain.DocumentResume}, {"cover_letter_document_id", cover, domain.DocumentCoverLetter}} {
		if c.id == nil {
			continue
		}
		d, err := s.store.DocumentGet(ctx, userID, *c.id)
		switch {
		case domain.ErrorCode(err) == domain.ENOTFOUND:
			return domain.Errorf(domain.ENOTFOUND, "document %s not found", c.id).WithDetails(map[string]any{"field": c.field})
		case err != nil:
			return err
		case d.DeletedAt != nil:
			fields[c.field] = "this document was deleted: upload it again or pick another"
		case d.Kind != c.kind:
			fields[c.field] = "is a " + strings.ReplaceAll(string(d.Kind), "_", " ") + ", not a " + strings.ReplaceAll(string(c.kind), "_", " ")
		}
	}
	return domain.ValidationError(fields)
}

// DeleteRun deletes one of the user's runs and its tasks, only when none of
// them was submitted or is submitting (ECONFLICT otherwise: that history
// stays; cancel the run instead). The run is locked before its tasks are
// counted, so a task reaching submitting meanwhile (its worker holds the
// run) is seen.
func (s *Service) DeleteRun(ctx context.Context, userID, runID domain.ID) error {
	return s.inTx(ctx, func(t *txn) error {
		if _, err := t.st.RunGetForUpdate(ctx, userID, runID); err != nil {
			return err
		}
		sent, err := t.st.RunSentTaskCount(ctx, runID)
		if err != nil {
			return err
		}
		if sent > 0 {
			return domain.Errorf(domain.ECONFLICT, "run has %d submitted application(s): cancel it instead of deleting it", sent).
				WithDetails(map[string]any{"submitted": sent})
		}
		return t.st.RunDelete(ctx, runID)
	})
}
