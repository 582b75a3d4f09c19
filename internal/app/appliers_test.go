package app_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap"

	"github.com/applyq/applyq/internal/app"
	"github.com/applyq/applyq/internal/applier"
	"github.com/applyq/applyq/internal/config"
	"github.com/applyq/applyq/internal/domain"
)

// The platforms of appliers.platforms get their own applier, named in the
// packet and paced; every other posting goes through worker.applier.
func TestAppliers_ByConfiguration(t *testing.T) {
	t.Setenv("APPLYQ_APPLIERS_PLATFORMS", "recruitee")
	cfg, err := config.Load("worker", config.Flags("worker"), nil)
	require.NoError(t, err)
	name := app.ApplierFor(cfg)
	require.Equal(t, "recruitee", name(domain.PlatformRecruitee))
	require.Equal(t, "dry_run", name(domain.PlatformGreenhouse), "not turned on: the default")
	require.Equal(t, "dry_run", name(""))

	pace := app.Pace(cfg)
	require.Equal(t, []domain.RateLimit{{Key: "apply:recruitee", Limit: 10, Window: time.Minute}, {Key: "apply:recruitee:acme", Limit: 10, Window: time.Hour}},
		pace(&domain.Packet{Platform: domain.PlatformRecruitee, Board: "acme"}))
	require.Nil(t, pace(&domain.Packet{Platform: domain.PlatformGreenhouse, Board: "acme"}), "the default applier is not paced per platform")

	dry := applier.NewDryRun(nil)
	r, b := app.Appliers(cfg, dry, nil, nil, zap.NewNop())
	require.IsType(t, &applier.Recruitee{}, r.For(&domain.Packet{Platform: domain.PlatformRecruitee, Applier: "recruitee"}))
	require.Same(t, dry, r.For(&domain.Packet{Platform: domain.PlatformLever, Applier: "dry_run"}))
	require.Nil(t, b, "no browser platform on: no browser")

	// The hosted-form platforms share one browser applier.
	t.Setenv("APPLYQ_APPLIERS_PLATFORMS", "greenhouse,lever,recruitee")
	cfg, err = config.Load("worker", config.Flags("worker"), nil)
	require.NoError(t, err)
	require.Equal(t, "browser", app.ApplierFor(cfg)(domain.PlatformGreenhouse))
	require.Equal(t, "dry_run", app.ApplierFor(cfg)(domain.PlatformAshby), "ashby not turned on")
	r, b = app.Appliers(cfg, dry, nil, nil, zap.NewNop())
	require.NotNil(t, b)
	defer b.Close()
	require.Same(t, b, r.For(&domain.Packet{Platform: domain.PlatformGreenhouse, Applier: "browser"}))
	require.Same(t, b, r.For(&domain.Packet{Platform: domain.PlatformLever, Applier: "browser"}))
	require.Same(t, dry, r.For(&domain.Packet{Platform: domain.PlatformAshby, Applier: "dry_run"}))

	t.Setenv("APPLYQ_APPLIERS_PLATFORMS", "monster")
	_, err = config.Load("worker", config.Flags("worker"), nil)
	require.ErrorContains(t, err, "appliers.platforms")
}
