package mail

import (
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"go.uber.org/fx"

	"github.com/bookstore/bookstore/platform/config"
	"github.com/bookstore/bookstore/platform/riverfx"
	"github.com/bookstore/bookstore/platform/web"
)

// Module gives every process that runs a module the Outbox and the worker
// that sends what it queues, through the server of --smtp-url when set,
// and the process's Box for the admin's Outbox page (also served to the
// other processes of a split shop).
var Module = fx.Module("mail",
	fx.Provide(NewOutboxFromConfig, serverFromConfig, NewLocalBox),
	AsBox(func(b *LocalBox) *LocalBox { return b }),
	web.AsRoutes(BoxRoutes),
	riverfx.AsWorkers(func(pool *pgxpool.Pool, s *SMTP) riverfx.Registrar {
		return func(w *river.Workers) { river.AddWorker(w, &SendWorker{Pool: pool, SMTP: s}) }
	}),
)

// serverFromConfig parses --smtp-url, nil when it is empty.
func serverFromConfig(cfg config.Config) (*SMTP, error) {
	if cfg.SMTPURL == "" {
		return nil, nil
	}
	return ParseSMTP(cfg.SMTPURL)
}
