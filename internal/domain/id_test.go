package domain_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/domain"
)

func TestNewID_IsV7AndRoundTrips(t *testing.T) {
	t.Parallel()
	a, b := domain.NewID(), domain.NewID()
	require.NotEqual(t, a, b)
	s := a.String()
	require.Len(t, s, 36)
	require.Equal(t, byte('7'), s[14], "version nibble")
	require.Contains(t, "89ab", string(s[19]), "variant")
	back, err := domain.ParseID(s)
	require.NoError(t, err)
	require.Equal(t, a, back)

	js, err := json.Marshal(map[string]domain.ID{"id": a})
	require.NoError(t, err)
	require.Equal(t, `{"id":"`+s+`"}`, string(js))
}

func TestNewID_SortsByTime(t *testing.T) {
	t.Parallel()
	prev := domain.NewID()
	for range 1000 {
		next := domain.NewID()
		// Same millisecond gives random order; across milliseconds, order holds.
		require.GreaterOrEqual(t, next.String()[:13], prev.String()[:13])
		prev = next
	}
}

func TestParseID_Rejects(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "1", "0190a3c4-5b6d-7e8f-9a0b-1c2d3e4f5a6", "0190a3c4x5b6d-7e8f-9a0b-1c2d3e4f5a6b", "zzzzzzzz-5b6d-7e8f-9a0b-1c2d3e4f5a6b",
		// Forms uuid.Parse takes but an id never has.
		"{0190a3c4-5b6d-7e8f-9a0b-1c2d3e4f5a6b}", "urn:uuid:0190a3c4-5b6d-7e8f-9a0b-1c2d3e4f5a6b", "0190a3c45b6d7e8f9a0b1c2d3e4f5a6b"} {
		_, err := domain.ParseID(s)
		require.Equal(t, domain.EINVALID, domain.ErrorCode(err), s)
	}
}
