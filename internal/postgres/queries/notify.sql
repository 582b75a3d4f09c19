-- name: Notify :exec
-- Sends each (channel, payload) pair once; delivered when the transaction
-- commits.
SELECT pg_notify(n.channel, n.payload)
FROM (SELECT DISTINCT a.c AS channel, b.p AS payload
      FROM unnest(@channels::text[]) WITH ORDINALITY AS a(c, ord)
      JOIN unnest(@payloads::text[]) WITH ORDINALITY AS b(p, ord) ON b.ord = a.ord) n;
