package riverfx

import (
	"bytes"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRiverLogger_DropsInfoUnlessDebug(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	base := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))

	log := riverLogger(base, "info").With("client", "x")
	log.Info("River client started")
	log.Warn("job failed")
	require.NotContains(t, buf.String(), "River client started")
	require.Contains(t, buf.String(), "job failed")
	require.Contains(t, buf.String(), "module=river client=x")

	buf.Reset()
	riverLogger(base, "debug").Info("River client started")
	require.Contains(t, buf.String(), "River client started")
}
