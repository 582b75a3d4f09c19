package migrations

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/pressly/goose/v3"

	"github.com/applyq/applyq/internal/domain"
)

// GoMigrations are the migrations written in Go, for goose's provider.
func GoMigrations() []*goose.Migration {
	return []*goose.Migration{
		goose.NewGoMigration(9, &goose.GoFunc{RunTx: rekeyJobPostings}, &goose.GoFunc{RunTx: keepKeys}),
	}
}

// rekeyJobPostings (version 9) gives postings pasted before applyq knew
// their platform the canonical key it now computes for their URL: the
// SmartRecruiters, Recruitee, Workable and Personio posting links that had
// generic "url:" keys. Without it, the same link pasted again, or the same
// posting synced from its board, would be a second job — and could be
// applied to twice. A posting whose new key another posting of its user
// already has (the two were one job under two keys before) keeps its key.
func rekeyJobPostings(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, url, canonical_key FROM job_postings WHERE canonical_key LIKE 'url:%' AND url <> '' ORDER BY id`)
	if err != nil {
		return err
	}
	type rekey struct{ id, key string }
	var changes []rekey
	for rows.Next() {
		var id, raw, old string
		if err := rows.Scan(&id, &raw, &old); err != nil {
			_ = rows.Close()
			return err
		}
		if key, err := domain.CanonicalJobKey(raw); err == nil && key != old {
			changes = append(changes, rekey{id, key})
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if err := rows.Close(); err != nil {
		return err
	}
	for _, c := range changes {
		if _, err := tx.ExecContext(ctx, `UPDATE job_postings j SET canonical_key = $2, updated_at = now() WHERE j.id = $1
			AND NOT EXISTS (SELECT 1 FROM job_postings o WHERE o.user_id = j.user_id AND o.canonical_key = $2)`, c.id, c.key); err != nil {
			return fmt.Errorf("rekeying job posting %s: %w", c.id, err)
		}
	}
	return nil
}

// keepKeys (version 9 down) leaves the keys: they stay valid, and an older
// binary computes "url:" keys for new pastes of those links again.
func keepKeys(context.Context, *sql.Tx) error { return nil }
