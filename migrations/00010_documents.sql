-- +goose Up
-- Documents: résumés and cover letters users upload for applications. The
-- bytes live in the blob store under blob_key; this row keeps what they are
-- forever (a packet that carried a document can still name it and prove its
-- sha256), even once the user deleted it (deleted_at) and its bytes were
-- removed (content_deleted_at).
CREATE TABLE documents (
    id                 uuid PRIMARY KEY,
    user_id            uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind               text NOT NULL CHECK (kind IN ('resume', 'cover_letter')),
    name               text NOT NULL CHECK (name <> ''),
    filename           text NOT NULL CHECK (filename <> ''),
    -- Decided from the bytes, never from the name or the client.
    content_type       text NOT NULL CHECK (content_type IN ('application/pdf',
                           'application/vnd.openxmlformats-officedocument.wordprocessingml.document')),
    size_bytes         bigint NOT NULL CHECK (size_bytes > 0),
    sha256             bytea NOT NULL CHECK (octet_length(sha256) = 32),
    blob_key           text NOT NULL UNIQUE,
    is_default         boolean NOT NULL DEFAULT false,
    created_at         timestamptz NOT NULL DEFAULT now(),
    deleted_at         timestamptz,
    content_deleted_at timestamptz,
    -- A deleted document is never the default.
    CHECK (NOT (is_default AND deleted_at IS NOT NULL))
);
-- At most one default per user and kind among the documents not deleted.
CREATE UNIQUE INDEX documents_one_default_idx ON documents (user_id, kind) WHERE is_default AND deleted_at IS NULL;
-- The user's library, newest first.
CREATE INDEX documents_user_idx ON documents (user_id, created_at DESC, id DESC) WHERE deleted_at IS NULL;

-- +goose Down
DROP TABLE documents;
