// Package logging builds the process's structured logger. Every module logs
// through log/slog with a "module" attribute so one stream can be filtered per
// module, in the monolith and when split.
package logging

import (
	"io"
	"log/slog"
	"strings"
)

// New returns a logger writing text or JSON records at the given level.
func New(w io.Writer, level, format string) *slog.Logger {
	opts := &slog.HandlerOptions{Level: parseLevel(level)}
	var h slog.Handler
	if format == "json" {
		h = slog.NewJSONHandler(w, opts)
	} else {
		h = slog.NewTextHandler(w, opts)
	}
	return slog.New(h)
}

func parseLevel(s string) slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(s))); err != nil {
		return slog.LevelInfo
	}
	return l
}

// ForModule returns the decorator each module's fx.Module applies to the
// process logger, so every record it writes carries its name.
func ForModule(module string) func(*slog.Logger) *slog.Logger {
	return func(l *slog.Logger) *slog.Logger { return l.With(slog.String("module", module)) }
}
