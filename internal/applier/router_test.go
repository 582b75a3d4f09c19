package applier_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applyq/applyq/internal/applier"
	"github.com/applyq/applyq/internal/domain"
)

type named string

func (n named) Name() string            { return string(n) }
func (n named) IdempotentRetries() bool { return false }
func (n named) Apply(context.Context, *domain.Packet) (domain.ApplyResult, error) {
	return domain.ApplyResult{Reference: string(n)}, nil
}

func TestRouter_EachPacketGoesThroughTheApplierItWasPreparedFor(t *testing.T) {
	t.Parallel()
	r := &applier.Router{Default: named("webhook"), ByPlatform: map[domain.Platform]domain.Applier{
		domain.PlatformRecruitee: named("recruitee"), domain.PlatformGreenhouse: named("browser"), domain.PlatformLever: named("browser")}}
	require.Equal(t, "recruitee", r.NameFor(domain.PlatformRecruitee))
	require.Equal(t, "browser", r.NameFor(domain.PlatformLever))
	require.Equal(t, "webhook", r.NameFor(domain.PlatformWorkable))
	require.Equal(t, "webhook", r.NameFor(""))

	for _, tc := range []struct {
		p    domain.Packet
		want string
	}{
		{domain.Packet{Platform: domain.PlatformRecruitee, Applier: "recruitee"}, "recruitee"},
		{domain.Packet{Platform: domain.PlatformGreenhouse, Applier: "browser"}, "browser"},
		{domain.Packet{Platform: domain.PlatformAshby, Applier: "webhook"}, "webhook"},
		{domain.Packet{Platform: domain.PlatformGreenhouse}, "browser"}, // prepared before appliers were named
		{domain.Packet{}, "webhook"},
	} {
		res, err := r.Apply(context.Background(), &tc.p)
		require.NoError(t, err)
		require.Equal(t, tc.want, res.Reference, "%+v", tc.p)
	}
	// A packet prepared for an applier this worker lacks is never sent
	// another way: nothing goes out, and it is tried again.
	_, err := r.Apply(context.Background(), &domain.Packet{Platform: domain.PlatformAshby, Applier: "browser-v2"})
	require.ErrorIs(t, err, domain.ErrNotSent)
	_, err = (&applier.Router{Default: named("dry_run")}).Apply(context.Background(), &domain.Packet{Platform: domain.PlatformLever, Applier: "browser"})
	require.ErrorIs(t, err, domain.ErrNotSent, "a worker without the browser never dry-runs a packet approved for it")
}
