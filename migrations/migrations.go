// Package migrations holds applyq's numbered schema migrations (goose
// format): one SQL file per version with its Up and Down sections, and the
// few written in Go because they apply applyq's own rules to existing rows
// (GoMigrations). River's tables are migrated separately by rivermigrate;
// internal/postgres runs both.
package migrations

import "embed"

// FS holds every *.sql migration.
//
//go:embed *.sql
var FS embed.FS

// Sources holds every migration's source, the Go ones included: a test
// database template is named after them.
//
//go:embed *.sql *.go
var Sources embed.FS
