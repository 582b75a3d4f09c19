package tasks_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
)

// A synced posting is named by the employer its board gives, else by its
// source's display name — never by the board's slug.
func TestSyncSource_CompanyFromTheBoardOrTheSourceName(t *testing.T) {
	t.Parallel()
	b := setupSources(t)
	named := posting(1, "Backend Engineer", false)
	named.Company = "Acme Industries Inc."
	b.board.set(listing(named, posting(2, "Data Engineer", false)), nil)
	src := b.addSource(t, domain.SourceCreate{}) // no name: its board's, readable
	require.Equal(t, "Acme", src.Name, "a source without a name gets its board's, readable")

	b.sync(t, src)
	require.Equal(t, "Acme Industries Inc.", b.jobByExternal(t, "4001").Company, "the board's employer name")
	j := b.jobByExternal(t, "4002")
	require.Equal(t, "Acme", j.Company, "no name from the board: the source's display name")
	require.Equal(t, domain.CompanySource, j.CompanyOrigin)
	require.Zero(t, pgtest.MustCount(t, b.db, `SELECT count(*) FROM job_postings WHERE company = 'acme'`), "the slug is never a company")
}

// Renaming a source renames the company of its postings named after it
// (not one the board named), and the cover letter prepared after says so.
func TestUpdateSource_RenameRenamesItsPostingsAndTheCoverLetter(t *testing.T) {
	t.Parallel()
	b := setupSources(t)
	ctx := context.Background()
	named := posting(1, "Backend Engineer", false)
	named.Company = "Globex Holdings"
	b.board.set(listing(named, posting(2, "Data Engineer", false)), nil)
	src := b.addSource(t, domain.SourceCreate{URL: "https://boards.greenhouse.io/globex"})
	b.sync(t, src)
	require.Equal(t, "Globex", b.jobByExternal(t, "4002").Company)

	name := "  Globex Corporation "
	got, err := b.svc.UpdateSource(ctx, b.user.ID, src.ID, domain.SourceUpdate{Name: &name})
	require.NoError(t, err)
	require.Equal(t, "Globex Corporation", got.Name)
	j := b.jobByExternal(t, "4002")
	require.Equal(t, "Globex Corporation", j.Company)
	require.Equal(t, "Globex Holdings", b.jobByExternal(t, "4001").Company, "a name the board gave stays")

	// The next sync keeps the new name.
	b.sync(t, src)
	require.Equal(t, "Globex Corporation", b.jobByExternal(t, "4002").Company)

	run := &domain.Run{ID: b.run.ID, CoverLetterTemplate: "Dear {{.company}} team,"}
	user := &domain.User{ID: b.user.ID, Email: b.user.Email, Profile: domain.Profile{Name: "Ada Lovelace"}}
	p, _, err := domain.BuildPacket(&domain.Task{ID: domain.NewID(), RunID: run.ID, JobID: j.ID, UserID: user.ID}, run, j, user, domain.PacketMaterials{}, time.Now())
	require.NoError(t, err)
	require.Equal(t, "Dear Globex Corporation team,", p.CoverLetter)

	empty := " "
	_, err = b.svc.UpdateSource(ctx, b.user.ID, src.ID, domain.SourceUpdate{Name: &empty})
	require.Equal(t, domain.EINVALID, domain.ErrorCode(err), "a source's name cannot be emptied: it is a company name")
}

// A company the person typed for a posting stays when a source later
// syncs the same posting.
func TestSyncSource_KeepsACompanyThePersonGave(t *testing.T) {
	t.Parallel()
	b := setupSources(t)
	out, err := b.svc.IngestJobs(context.Background(), b.user.ID, []domain.JobInput{{URL: "https://boards.greenhouse.io/acme/jobs/4002",
		Company: "ACME (my contact: Jo)", Title: "Data Engineer"}})
	require.NoError(t, err)
	require.Equal(t, domain.IngestCreated, out[0].Status)
	b.board.set(listing(posting(2, "Data Engineer", false)), nil)
	src := b.addSource(t, domain.SourceCreate{Name: "Acme"})
	b.sync(t, src)
	require.Equal(t, "ACME (my contact: Jo)", b.jobByExternal(t, "4002").Company)
}
