-- What appliers saw while applying.

-- name: EvidenceInsert :one
INSERT INTO task_evidence (id, task_id, user_id, kind, content_type, size_bytes, blob_key, applier)
VALUES (@id, @task_id, @user_id, @kind, @content_type, @size_bytes, @blob_key, @applier)
RETURNING *;

-- name: EvidenceListByTask :many
SELECT * FROM task_evidence WHERE task_id = @task_id AND user_id = @user_id ORDER BY created_at, id;

-- name: EvidenceGet :one
SELECT * FROM task_evidence WHERE id = @id AND task_id = @task_id AND user_id = @user_id;
