package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/spf13/cobra"
	"go.uber.org/fx"

	"github.com/bookstore/bookstore/platform/migrate"
)

func newMigrateCommand() *cobra.Command {
	var statusOnly bool
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply every pending migration, then report each schema's version",
		Long: `Apply the pending migrations of the modules named by --modules and of the
job queue, then print each schema's version. Safe to run from several
replicas at once: an advisory lock makes them take turns.`,
		Args: cobra.NoArgs,
	}
	cmd.Flags().BoolVar(&statusOnly, "status", false, "only report versions, apply nothing")
	load := bindConfig(cmd, "database-url", "data-dir", "log-level", "log-format", "shutdown-timeout", "modules")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		cfg, err := load()
		if err != nil {
			return err
		}
		if cfg.Gateway {
			return fmt.Errorf("--modules gateway: the gateway has no database to migrate; name the modules whose schemas to migrate (auth, catalog, orders or all)")
		}
		cfg.Migrate = !statusOnly
		var (
			versions []migrate.Version
			pool     *pgxpool.Pool
		)
		err = runOnce(cmd.Context(), cfg, func(ctx context.Context) error {
			versions, err = migrate.Status(ctx, pool, migrationSets(cfg))
			return err
		}, fx.Populate(&pool))
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "SCHEMA\tVERSION\tPENDING")
		for _, v := range versions {
			fmt.Fprintf(w, "%s\t%d\t%d\n", v.Schema, v.Version, v.Pending)
		}
		return w.Flush()
	}
	return cmd
}
