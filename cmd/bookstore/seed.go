package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	"go.uber.org/fx"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog/catalogfx"
	"github.com/bookstore/bookstore/platform/config"
)

func newSeedCommand() *cobra.Command {
	var o catalogfx.SeedOptions
	cmd := &cobra.Command{
		Use:   "seed",
		Short: "Fill an empty shop with demo sellers and listings",
		Long: `Create a few demo sellers (through the sign-up rules) and a few hundred
varied listings with covers drawn by the program, so that a new shop looks
alive. It refuses to run on a shop that already has listings unless --force
is given. The sellers share one generated password, printed at the end.

For a shop run by serve --split, add --split: the sellers then go into its
auth database and the listings into its catalog database, in the private
cluster of --data-dir, where that shop reads them.`,
		Args: cobra.NoArgs,
	}
	var split bool
	cmd.Flags().BoolVar(&split, "split", false, "fill a shop run by serve --split (its auth and catalog databases in the private cluster of --data-dir)")
	cmd.Flags().IntVar(&o.Listings, "listings", 300, fmt.Sprintf("how many listings to create, 1 to %d", catalogfx.SeedMaxListings))
	cmd.Flags().IntVar(&o.Sellers, "sellers", 8, fmt.Sprintf("how many sellers to create, 1 to %d", catalogfx.SeedMaxSellers))
	cmd.Flags().BoolVar(&o.Force, "force", false, "add demo listings even if the shop has some")
	cmd.Flags().Uint64Var(&o.Seed, "seed", 1, "random seed, for reproducible data")
	load := bindConfig(cmd, append(storeFlags, "photo-store")...)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		cfg, err := load()
		if err != nil {
			return err
		}
		if err := o.Validate(); err != nil {
			return err
		}
		out := cmd.OutOrStdout()
		o.ProgressFunc = func(done, total int) {
			if done%50 == 0 || done == total {
				fmt.Fprintf(out, "%d/%d listings\n", done, total)
			}
		}
		var (
			seeder *catalogfx.Seeder
			res    catalogfx.SeedResult
		)
		// The accounts' graph with the catalog's inside it: with --split,
		// those of a split shop's auth and catalog processes, each on its
		// module's own database, so the sellers are where the shop signs
		// them in and the listings (with their sellers' names, as the
		// shop's own pages record them) where it shows them.
		err = withAccounts(cmd.Context(), cfg, split, func(ctx context.Context, acc auth.Accounts) error {
			return runOnceAs(ctx, cfg, split, config.ModuleCatalog, func(ctx context.Context) (err error) {
				res, err = seeder.Run(ctx, acc, o)
				return err
			}, catalogfx.Service, fx.Provide(catalogfx.NewSeeder), fx.Populate(&seeder))
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "seeded %d listings from %d sellers\n", res.Listings, len(res.Sellers))
		if len(res.Sellers) > 0 {
			fmt.Fprintf(out, "sign in as a seller: %s (password %s)\n", res.Sellers[0].Email, res.Password)
		}
		return nil
	}
	return cmd
}
