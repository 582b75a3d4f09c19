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
	// CompanyOrigin is where Company comes from ("": given).
	CompanyOrigin domain.CompanyOrigin
	// TrackedOnly: no applier can apply to it (domain.TrackedOnlyKey).
	TrackedOnly bool
	// Details is DetailsFetching for a pasted board link whose details a
	// River job reads.
	Details domain.DetailsStatus
}

// JobPostingInsertOrGet stores a posting unless the user has one with the
// same canonical key, and returns the stored one either way; inserted says
// which.
func (s *Store) JobPostingInsertOrGet(ctx context.Context, p JobPostingInsert) (job *domain.JobPosting, inserted bool, err error) {
	origin := p.CompanyOrigin
	if origin == "" {
		origin = domain.CompanyGiven
	}
	r, err := s.q.JobPostingInsertOrGet(ctx, dbsqlc.JobPostingInsertOrGetParams{ID: domain.NewID(), UserID: p.UserID,
		Source: p.Source, ExternalID: p.ExternalID, Url: p.URL, CanonicalKey: p.CanonicalKey, Company: p.Company,
		Title: p.Title, Location: p.Location, Description: p.Description, Raw: p.Raw,
		CompanyOrigin: string(origin), TrackedOnly: p.TrackedOnly, DetailsStatus: string(p.Details)})
	if err != nil {
		return nil, false, err
	}
	job, err = jobFromRow(&dbsqlc.JobPosting{ID: r.ID, UserID: r.UserID, Source: r.Source, ExternalID: r.ExternalID,
		Url: r.Url, CanonicalKey: r.CanonicalKey, Company: r.Company, Title: r.Title, Location: r.Location,
		Description: r.Description, Raw: r.Raw, CreatedAt: r.CreatedAt, SourceID: r.SourceID, Platform: r.Platform,
		PlatformPostingID: r.PlatformPostingID, Department: r.Department, Remote: r.Remote, ApplyUrl: r.ApplyUrl,
		Compensation: r.Compensation, EmploymentType: r.EmploymentType, Questions: r.Questions, BoardUpdatedAt: r.BoardUpdatedAt,
		ClosedAt: r.ClosedAt, UpdatedAt: r.UpdatedAt, DiscoveredForm: r.DiscoveredForm, CompanyOrigin: r.CompanyOrigin,
		PersonStage: r.PersonStage, PersonStageAt: r.PersonStageAt, TrackedOnly: r.TrackedOnly, DetailsStatus: r.DetailsStatus})
	if err != nil {
		return nil, false, err
	}
	job.HasBeenAppliedTo, job.Stage = r.Applied, domain.Stage(r.Stage)
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
	job.HasBeenAppliedTo, job.Stage = r.Applied, domain.Stage(r.Stage)
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

// JobPostingList returns a page of the user's postings, filtered, in
// f.Sort's order (newest first by default), and the cursor of the next
// page ("" on the last).
func (s *Store) JobPostingList(ctx context.Context, userID domain.ID, f domain.JobFilter) ([]*domain.JobPosting, string, error) {
	keys := jobsNewest
	switch f.Sort {
	case domain.JobSortCompany:
		keys = jobsByCompany
	case domain.JobSortStage:
		keys = jobsByStage
	}
	q, err := newListQuery(keys, f.Cursor, f.Limit)
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
	if len(f.Stages) > 0 {
		stages := make([]string, len(f.Stages))
		for i, st := range f.Stages {
			stages[i] = string(st)
		}
		q.Where(jobStage + " = ANY(" + q.Arg(stages) + "::text[])")
	}
	sql, args := q.SQL(`SELECT ` + jobListColumns + ` FROM job_postings`)
	rows, _ := s.db.Query(ctx, sql, args...)
	type keyed struct {
		job     *domain.JobPosting
		rank    int
		sortKey string
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (keyed, error) {
		row, err := pgx.RowToStructByPos[jobListRow](r)
		if err != nil {
			return keyed{}, err
		}
		j, err := jobFromRow(&row.JobPosting)
		if j != nil {
			j.HasBeenAppliedTo, j.Stage = row.Applied, domain.Stage(row.Stage)
		}
		return keyed{job: j, rank: row.Rank, sortKey: row.CompanyKey}, err
	})
	if err != nil {
		return nil, "", err
	}
	list, next := nextPage(q, list, func(k keyed) domain.Cursor {
		return domain.Cursor{Time: k.job.CreatedAt, ID: k.job.ID, Priority: k.rank, Key: k.sortKey}
	})
	jobs := make([]*domain.JobPosting, len(list))
	for i, k := range list {
		jobs[i] = k.job
	}
	return jobs, next, nil
}

// jobStage is a job's stage (the person's, or derived from its tasks);
// jobCompanyKey its company as sort=company orders it.
const (
	jobStage      = "job_posting_stage(job_postings.id, job_postings.person_stage)"
	jobCompanyKey = "lower(job_postings.company)"
)

func escapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

// jobListColumns are the dynamic list's: every column of the posting, then
// whether it has been applied to.
const jobListColumns = `job_postings.*,
	EXISTS (SELECT 1 FROM application_tasks t WHERE t.job_id = job_postings.id AND t.state IN ('submitting', 'submitted')) AS applied,
	` + jobStage + ` AS stage, job_stage_rank(` + jobStage + `) AS rank, ` + jobCompanyKey + ` AS company_key`

// jobListRow is a row of the dynamic list.
type jobListRow struct {
	dbsqlc.JobPosting
	Applied    bool
	Stage      string
	Rank       int
	CompanyKey string
}

// JobPostingSetPersonStage sets the stage the person gave one of their
// jobs, or clears it (nil): the derived stage shows again (ENOTFOUND for
// another user's job).
func (s *Store) JobPostingSetPersonStage(ctx context.Context, userID, jobID domain.ID, stage *domain.Stage) error {
	var st *string
	if stage != nil {
		v := string(*stage)
		st = &v
	}
	_, err := s.q.JobPostingSetPersonStage(ctx, dbsqlc.JobPostingSetPersonStageParams{PersonStage: st, ID: jobID, UserID: userID})
	return notFound(err, "job")
}

// JobPostingForDetails reads and locks a job (any user's: a River job
// fills its details).
func (s *Store) JobPostingForDetails(ctx context.Context, jobID domain.ID) (*domain.JobPosting, error) {
	r, err := s.q.JobPostingForDetails(ctx, jobID)
	if err != nil {
		return nil, notFound(err, "job")
	}
	return jobFromRow(r)
}

// JobPostingFillDetails fills a pasted board link's details from the
// posting its board lists: what the person left empty, and what only the
// board knows. company and origin are the employer's name and where it
// comes from; a company the person gave stays.
func (s *Store) JobPostingFillDetails(ctx context.Context, jobID domain.ID, company string, origin domain.CompanyOrigin, p domain.BoardPosting) error {
	return s.q.JobPostingFillDetails(ctx, dbsqlc.JobPostingFillDetailsParams{ID: jobID, Title: p.Title, Company: company,
		CompanyOrigin: string(origin), Location: p.Location, Description: p.Description, Department: p.Department, Remote: p.Remote,
		Compensation: p.Compensation, EmploymentType: p.EmploymentType, ApplyUrl: p.ApplyURL, BoardUpdatedAt: p.UpdatedAt})
}

// JobPostingDetailsFailed records that a pasted link's board could not
// tell its details.
func (s *Store) JobPostingDetailsFailed(ctx context.Context, jobID domain.ID) error {
	return s.q.JobPostingDetailsFailed(ctx, jobID)
}

// JobPostingTrackedOnlyIDs returns which of ids are the user's tracked-only
// jobs, which no run takes.
func (s *Store) JobPostingTrackedOnlyIDs(ctx context.Context, userID domain.ID, ids []domain.ID) ([]domain.ID, error) {
	return s.q.JobPostingTrackedOnlyIDs(ctx, dbsqlc.JobPostingTrackedOnlyIDsParams{UserID: userID, Ids: ids})
}
