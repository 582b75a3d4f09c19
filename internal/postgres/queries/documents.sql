-- Documents: résumés and cover letters. Their bytes are in the blob store;
-- rows stay when the user deletes one (deleted_at).

-- name: DocumentLockKind :exec
-- Serialises, for one user and kind, the changes that choose its default
-- (an upload that may become it, setting another): a transaction-scoped
-- advisory lock in a key space of its own (two int4 keys), taken before any
-- document row.
SELECT pg_advisory_xact_lock(1684234849, hashtext(sqlc.arg(user_id)::uuid::text || '/' || sqlc.arg(kind)::text));

-- name: DocumentLockUser :exec
-- Serialises the uploads of one user against their storage quota: a
-- transaction-scoped advisory lock in a key space of its own, taken before
-- any other lock of the upload's transaction.
SELECT pg_advisory_xact_lock(1684234850, hashtext(sqlc.arg(user_id)::uuid::text));

-- name: DocumentStoredBytes :one
-- The bytes of the user's documents not deleted (what the storage quota
-- counts).
SELECT coalesce(sum(size_bytes), 0)::bigint AS stored FROM documents WHERE user_id = @user_id AND deleted_at IS NULL;

-- name: DocumentInsert :one
-- With @default_if_none, the document becomes the default of its kind when
-- the user has none (hold DocumentLockKind).
INSERT INTO documents (id, user_id, kind, name, filename, content_type, size_bytes, sha256, blob_key, is_default)
VALUES (@id, @user_id, @kind, @name, @filename, @content_type, @size_bytes, @sha256, @blob_key,
    @default_if_none::boolean AND NOT EXISTS (
        SELECT 1 FROM documents d WHERE d.user_id = @user_id AND d.kind = @kind AND d.is_default AND d.deleted_at IS NULL))
RETURNING *;

-- name: DocumentGetByUser :one
-- One of the user's documents, deleted ones included (deleted_at says so):
-- packets and evidence still name them.
SELECT * FROM documents WHERE id = @id AND user_id = @user_id;

-- name: DocumentListByUser :many
-- The user's documents not deleted, of one kind when @kind is set, newest
-- first.
SELECT * FROM documents
WHERE user_id = @user_id AND deleted_at IS NULL AND (sqlc.narg(kind)::text IS NULL OR kind = sqlc.narg(kind)::text)
ORDER BY created_at DESC, id DESC;

-- name: DocumentClearDefault :exec
-- The user's default of this kind, other than @keep_id, is no longer (hold
-- DocumentLockKind).
UPDATE documents SET is_default = false
WHERE user_id = @user_id AND kind = @kind AND is_default AND deleted_at IS NULL AND id <> @keep_id;

-- name: DocumentMakeDefault :one
-- One of the user's documents not deleted becomes its kind's default (clear
-- the other first: the unique index is checked row by row).
UPDATE documents SET is_default = true
WHERE id = @id AND user_id = @user_id AND deleted_at IS NULL
RETURNING *;

-- name: DocumentSoftDelete :one
-- One of the user's documents not deleted is deleted: the row stays (and
-- stops being the default), locked until the transaction ends.
UPDATE documents SET deleted_at = now(), is_default = false
WHERE id = @id AND user_id = @user_id AND deleted_at IS NULL
RETURNING *;

-- name: DocumentInPacket :one
-- Whether a packet of the user's that left, may have left, or is on its
-- way carries the document: a task that ever entered submitting
-- (submitting_at set: sent, failed by the receiver, paused as "outcome
-- unknown", whatever it became since), or one awaiting approval or
-- approved; by its own packet or its approval request's
-- ("documents": [{"document_id": "…", …}]).
SELECT EXISTS (
    SELECT 1 FROM application_tasks t
    WHERE t.user_id = @user_id
      AND (t.submitting_at IS NOT NULL OR t.state IN ('awaiting_approval', 'approved', 'submitting', 'submitted'))
      AND t.packet -> 'documents' @> jsonb_build_array(jsonb_build_object('document_id', sqlc.arg(document_id)::uuid::text))
) OR EXISTS (
    SELECT 1 FROM approval_requests a JOIN application_tasks t ON t.id = a.task_id
    WHERE a.user_id = @user_id
      AND (t.submitting_at IS NOT NULL OR t.state IN ('awaiting_approval', 'approved', 'submitting', 'submitted'))
      AND a.packet -> 'documents' @> jsonb_build_array(jsonb_build_object('document_id', sqlc.arg(document_id)::uuid::text))
) AS in_packet;

-- name: DocumentContentDeleted :exec
-- Records that a deleted document's bytes were removed from the blob store.
UPDATE documents SET content_deleted_at = now() WHERE id = @id AND deleted_at IS NOT NULL AND content_deleted_at IS NULL;

-- name: DocumentsForApplications :many
-- The documents the applications of users carry: each user's default
-- résumé and cover letter, or the documents their runs chose (run_ids
-- and the ids they chose, in order), not deleted.
SELECT d.* FROM documents d
WHERE d.deleted_at IS NULL AND d.user_id = ANY(@user_ids::uuid[])
  AND (d.is_default OR d.id = ANY(@chosen_ids::uuid[]));

-- name: DocumentsLockForPacket :many
-- Holds the documents a packet being written carries, so that a delete
-- waits for it (and then sees the packet); returns those not deleted.
SELECT id FROM documents WHERE id = ANY(@ids::uuid[]) AND deleted_at IS NULL ORDER BY id FOR SHARE;
