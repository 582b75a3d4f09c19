package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/applyq/applyq/internal/domain"
)

const jobColumns = `id, user_id, source, external_id, url, canonical_key, company, title, location, description, raw, created_at,
	EXISTS (SELECT 1 FROM application_tasks t WHERE t.job_id = job_postings.id AND t.state IN ('submitting', 'submitted')) AS applied`

func scanJob(row pgx.Row) (*domain.JobPosting, error) {
	var j domain.JobPosting
	if err := row.Scan(&j.ID, &j.UserID, &j.Source, &j.ExternalID, &j.URL, &j.CanonicalKey, &j.Company, &j.Title,
		&j.Location, &j.Description, &j.Raw, &j.CreatedAt, &j.HasBeenAppliedTo); err != nil {
		return nil, err
	}
	return &j, nil
}

// IngestOutcome says what happened to one ingested posting.
type IngestOutcome struct {
	Index  int                `json:"index"`
	Status string             `json:"status"` // created, already_known or rejected
	Job    *domain.JobPosting `json:"-"`
	Error  error              `json:"-"`
}

// Ingest outcome statuses.
const (
	IngestCreated      = "created"
	IngestAlreadyKnown = "already_known"
	IngestRejected     = "rejected"
)

// IngestJobs upserts postings for the user by canonical key, in one
// transaction. Invalid inputs are rejected one by one (the others are still
// ingested); a posting seen before returns the stored job as already_known.
func (db *DB) IngestJobs(ctx context.Context, userID domain.ID, inputs []domain.JobInput) ([]IngestOutcome, error) {
	out := make([]IngestOutcome, len(inputs))
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		for i := range inputs {
			in := inputs[i]
			out[i] = IngestOutcome{Index: i}
			key, err := in.Normalize()
			if err != nil {
				out[i].Status, out[i].Error = IngestRejected, err
				continue
			}
			raw := in.Raw
			if raw == nil {
				raw = map[string]any{}
			}
			rawJSON, err := json.Marshal(raw)
			if err != nil {
				out[i].Status, out[i].Error = IngestRejected, domain.Errorf(domain.EINVALID, "raw: %v", err)
				continue
			}
			var inserted bool
			job, err := scanJobWithFlag(tx.QueryRow(ctx, `WITH ins AS (
					INSERT INTO job_postings (id, user_id, source, external_id, url, canonical_key, company, title, location, description, raw)
					VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
					ON CONFLICT (user_id, canonical_key) DO NOTHING
					RETURNING `+jobColumns+`)
				SELECT *, true FROM ins
				UNION ALL
				SELECT `+jobColumns+`, false FROM job_postings WHERE user_id = $2 AND canonical_key = $6 AND NOT EXISTS (SELECT 1 FROM ins)`,
				domain.NewID(), userID, in.Source, in.ExternalID, in.URL, key, in.Company, in.Title, in.Location, in.Description, rawJSON), &inserted)
			if err != nil {
				return fmt.Errorf("ingesting job %d: %w", i, err)
			}
			out[i].Job = job
			if inserted {
				out[i].Status = IngestCreated
			} else {
				out[i].Status = IngestAlreadyKnown
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func scanJobWithFlag(row pgx.Row, flag *bool) (*domain.JobPosting, error) {
	var j domain.JobPosting
	if err := row.Scan(&j.ID, &j.UserID, &j.Source, &j.ExternalID, &j.URL, &j.CanonicalKey, &j.Company, &j.Title,
		&j.Location, &j.Description, &j.Raw, &j.CreatedAt, &j.HasBeenAppliedTo, flag); err != nil {
		return nil, err
	}
	return &j, nil
}

// GetJob returns one of the user's jobs.
func (db *DB) GetJob(ctx context.Context, userID, jobID domain.ID) (*domain.JobPosting, error) {
	j, err := scanJob(db.Pool.QueryRow(ctx, `SELECT `+jobColumns+` FROM job_postings WHERE id = $1 AND user_id = $2`, jobID, userID))
	return j, notFound(err, "job")
}

// ListJobs returns the user's postings, newest first, filtered.
func (db *DB) ListJobs(ctx context.Context, userID domain.ID, f domain.JobFilter) ([]*domain.JobPosting, string, error) {
	if err := f.Validate(); err != nil {
		return nil, "", err
	}
	c, err := domain.DecodeCursor(f.Cursor, "jobs")
	if err != nil {
		return nil, "", err
	}
	limit := pageSize(f.Limit)
	args := []any{userID, limit + 1}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	where := "user_id = $1"
	if f.Text != "" {
		p := arg("%" + escapeLike(f.Text) + "%")
		where += " AND (title ILIKE " + p + " OR company ILIKE " + p + " OR description ILIKE " + p + " OR url ILIKE " + p + ")"
	}
	if f.Company != "" {
		where += " AND company ILIKE " + arg(escapeLike(f.Company))
	}
	if f.Source != "" {
		where += " AND source = " + arg(f.Source)
	}
	if f.HasBeenAppliedTo != nil {
		not := ""
		if !*f.HasBeenAppliedTo {
			not = "NOT "
		}
		where += " AND " + not + "EXISTS (SELECT 1 FROM application_tasks t WHERE t.job_id = job_postings.id AND t.state IN ('submitting', 'submitted'))"
	}
	if c != nil {
		where += " AND (created_at, id) < (" + arg(c.Time) + ", " + arg(c.ID) + ")"
	}
	rows, _ := db.Pool.Query(ctx, `SELECT `+jobColumns+` FROM job_postings WHERE `+where+` ORDER BY created_at DESC, id DESC LIMIT $2`, args...)
	jobs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*domain.JobPosting, error) { return scanJob(r) })
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(jobs) > limit {
		jobs = jobs[:limit]
		last := jobs[limit-1]
		next = domain.Cursor{Kind: "jobs", Time: last.CreatedAt, ID: last.ID}.Encode()
	}
	return jobs, next, nil
}

func escapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}
