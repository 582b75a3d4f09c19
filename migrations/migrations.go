// Package migrations embeds applyq's numbered schema migrations (goose format:
// one file per version with its Up and Down sections). River's tables are
// migrated separately by rivermigrate; internal/postgres runs both.
package migrations

import "embed"

// FS holds every *.sql migration.
//
//go:embed *.sql
var FS embed.FS
