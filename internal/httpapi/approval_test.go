package httpapi_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
	"github.com/applyq/applyq/internal/postgres/pgtest"
)

// TestApprovalLink_SpentTokenShowsNoPersonalData: a link token shows the
// packet only while its request is pending; once decided it answers the
// status only, once expired 410 with nothing personal. The signed-in owner
// still sees everything by id.
func TestApprovalLink_SpentTokenShowsNoPersonalData(t *testing.T) {
	t.Parallel()
	b := setupAPI(t, apiOpts{})
	owner := pgtest.MustUser(t, b.db, pgtest.UserOpts{Name: "Ada Unique-Lovelace"})
	const letter = "Dear Acme, a very personal letter"
	personal := []string{"Ada Unique-Lovelace", owner.Email, letter, "+1 555 0100", `"packet"`}
	noPersonalData := func(r resp) {
		t.Helper()
		for _, s := range personal {
			require.NotContains(t, string(r.Body), s)
		}
	}

	decided, token := pgtest.MustApproval(t, b.db, owner, pgtest.ApprovalOpts{CoverLetter: letter})
	r := b.do(t, req{Method: "GET", Path: "/api/v1/approvals/" + token})
	require.Equal(t, http.StatusOK, r.Status)
	for _, s := range personal {
		require.Contains(t, string(r.Body), s, "a pending request shows what will be sent")
	}
	r = b.do(t, req{Method: "POST", Path: "/api/v1/approvals/" + token + "/approve"})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	noPersonalData(r)
	for range 2 {
		r = b.do(t, req{Method: "GET", Path: "/api/v1/approvals/" + token})
		require.Equal(t, http.StatusOK, r.Status)
		noPersonalData(r)
		var v struct {
			Status string `json:"status"`
		}
		r.JSON(t, &v)
		require.Equal(t, "approved", v.Status)
		r = b.do(t, req{Method: "POST", Path: "/api/v1/approvals/" + token + "/approve"})
		require.Equal(t, http.StatusOK, r.Status, "the same decision again")
		noPersonalData(r)
	}

	expired, token := pgtest.MustApproval(t, b.db, owner, pgtest.ApprovalOpts{CoverLetter: letter})
	_, err := b.db.Pool.Exec(context.Background(), `UPDATE approval_requests SET expires_at = now() - interval '1 second' WHERE id = $1`, expired.ID)
	require.NoError(t, err)
	for _, m := range []string{"GET", "POST"} {
		path := "/api/v1/approvals/" + token
		if m == "POST" {
			path += "/reject"
		}
		r = b.do(t, req{Method: m, Path: path})
		require.Equal(t, http.StatusGone, r.Status, "%s %s", m, path)
		require.Equal(t, domain.EGONE, r.ErrorCode(t))
		noPersonalData(r)
	}

	session := pgtest.MustSession(t, b.db, owner.Email)
	for _, id := range []domain.ID{decided.ID, expired.ID} {
		r = b.do(t, req{Method: "GET", Path: "/api/v1/approvals/" + id.String(), Token: session})
		require.Equal(t, http.StatusOK, r.Status)
		require.Contains(t, string(r.Body), letter, "the owner, signed in, sees the packet")
	}
}
