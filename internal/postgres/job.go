package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/internal/dbsqlc"
)

// JobPostingInsert is a posting to store, already normalized
// (domain.JobInput.Normalize gives the canonical key).
type JobPostingInsert struct {
	UserID       domain.ID
	CanonicalKey string
	Source       string
	ExternalID   string
	URL          string
	Company      string
	Title        string
	Location     string
	Description  string
	Raw          json.RawMessage // a JSON object
}

// JobPostingInsertOrGet stores a posting unless the user has one with the
// same canonical key, and returns the stored one either way; inserted says
// which.
func (s *Store) JobPostingInsertOrGet(ctx context.Context, p JobPostingInsert) (job *domain.JobPosting, inserted bool, err error) {
	r, err := s.q.JobPostingInsertOrGet(ctx, dbsqlc.JobPostingInsertOrGetParams{ID: domain.NewID(), UserID: p.UserID,
		Source: p.Source, ExternalID: p.ExternalID, Url: p.URL, CanonicalKey: p.CanonicalKey, Company: p.Company,
		Title: p.Title, Location: p.Location, Description: p.Description, Raw: p.Raw})
	if err != nil {
		return nil, false, err
	}
	job, err = jobFromRow(&dbsqlc.JobPosting{ID: r.ID, UserID: r.UserID, Source: r.Source, ExternalID: r.ExternalID,
		Url: r.Url, CanonicalKey: r.CanonicalKey, Company: r.Company, Title: r.Title, Location: r.Location,
		Description: r.Description, Raw: r.Raw, CreatedAt: r.CreatedAt, DiscoveredForm: r.DiscoveredForm})
	if err != nil {
		return nil, false, err
	}
	job.HasBeenAppliedTo = r.Applied
	return job, r.Inserted, nil
}

// GetJob returns one of the user's jobs (ENOTFOUND for another user's).
func (s *Store) GetJob(ctx context.Context, userID, jobID domain.ID) (*domain.JobPosting, error) {
	r, err := s.q.JobPostingGetByID(ctx, dbsqlc.JobPostingGetByIDParams{ID: jobID, UserID: userID})
	if err != nil {
		return nil, notFound(err, "job")
	}
	job, err := jobFromRow(&r.JobPosting)
	if err != nil {
		return nil, err
	}
	job.HasBeenAppliedTo = r.Applied
	return job, nil
}

// JobPostingSetForm stores the hosted form the browser read for one of
// the user's jobs (form discovery), replacing the one read before
// (ENOTFOUND for another user's job, or one that is gone).
func (s *Store) JobPostingSetForm(ctx context.Context, userID, jobID domain.ID, form *domain.DiscoveredForm) error {
	body, err := json.Marshal(form)
	if err != nil {
		return fmt.Errorf("job %s discovered form: %w", jobID, err)
	}
	n, err := s.q.JobPostingSetDiscoveredForm(ctx, dbsqlc.JobPostingSetDiscoveredFormParams{DiscoveredForm: body, ID: jobID, UserID: userID})
	if err == nil && n == 0 {
		err = domain.Errorf(domain.ENOTFOUND, "job not found")
	}
	return err
}

// JobPostingFormByKey returns the newest read of the hosted form of the
// posting with canonical key key, from any user's job of it (the form is
// the same public page for everyone), or nil when none was read.
func (s *Store) JobPostingFormByKey(ctx context.Context, key string) (*domain.DiscoveredForm, error) {
	body, err := s.q.JobPostingFormByKey(ctx, key)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && len(body) == 0) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var f domain.DiscoveredForm
	if err := json.Unmarshal(body, &f); err != nil {
		return nil, fmt.Errorf("posting %s discovered form: %w", key, err)
	}
	return &f, nil
}

// JobPostingList returns a page of the user's postings, newest first,
// filtered, and the cursor of the next page ("" on the last).
func (s *Store) JobPostingList(ctx context.Context, userID domain.ID, f domain.JobFilter) ([]*domain.JobPosting, string, error) {
	q, err := newListQuery(jobsNewest, f.Cursor, f.Limit)
	if err != nil {
		return nil, "", err
	}
	q.Where("user_id = " + q.Arg(userID))
	if f.Text != "" {
		p := q.Arg("%" + escapeLike(f.Text) + "%")
		q.Where("(title ILIKE " + p + " OR company ILIKE " + p + " OR description ILIKE " + p + " OR url ILIKE " + p + ")")
	}
	if f.Company != "" {
		q.Where("company ILIKE " + q.Arg(escapeLike(f.Company)))
	}
	if f.Source != "" {
		q.Where("source = " + q.Arg(f.Source))
	}
	if f.SourceID != nil {
		q.Where("source_id = " + q.Arg(*f.SourceID))
	}
	if f.Open != nil {
		not := "NOT "
		if *f.Open {
			not = ""
		}
		q.Where("closed_at IS " + not + "NULL")
	}
	if f.HasBeenAppliedTo != nil {
		not := ""
		if !*f.HasBeenAppliedTo {
			not = "NOT "
		}
		q.Where(not + "EXISTS (SELECT 1 FROM application_tasks t WHERE t.job_id = job_postings.id AND t.state IN ('submitting', 'submitted'))")
	}
	sql, args := q.SQL(`SELECT ` + jobListColumns + ` FROM job_postings`)
	rows, _ := s.db.Query(ctx, sql, args...)
	jobs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*domain.JobPosting, error) {
		row, err := pgx.RowToStructByPos[jobListRow](r)
		if err != nil {
			return nil, err
		}
		j, err := jobFromRow(&row.JobPosting)
		if j != nil {
			j.HasBeenAppliedTo = row.Applied
		}
		return j, err
	})
	if err != nil {
		return nil, "", err
	}
	jobs, next := nextPage(q, jobs, func(j *domain.JobPosting) domain.Cursor { return domain.Cursor{Time: j.CreatedAt, ID: j.ID} })
	return jobs, next, nil
}

func escapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

// jobListColumns are the dynamic list's: every column of the posting, then
// whether it has been applied to.
const jobListColumns = `job_postings.*,
	EXISTS (SELECT 1 FROM application_tasks t WHERE t.job_id = job_postings.id AND t.state IN ('submitting', 'submitted')) AS applied`

// jobListRow is a row of the dynamic list.
type jobListRow struct {
	dbsqlc.JobPosting
	Applied bool
}
