package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	"go.uber.org/fx"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/authfx"
	"github.com/bookstore/bookstore/modules/catalog/catalogfx"
)

func newSeedCommand() *cobra.Command {
	var o catalogfx.SeedOptions
	cmd := &cobra.Command{
		Use:   "seed",
		Short: "Fill an empty shop with demo sellers and listings",
		Long: `Create a few demo sellers (through the sign-up rules) and a few hundred
varied listings with covers drawn by the program, so that a new shop looks
alive. It refuses to run on a shop that already has listings unless --force
is given. The sellers share one generated password, printed at the end.`,
		Args: cobra.NoArgs,
	}
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
			acc    auth.Accounts
			res    catalogfx.SeedResult
		)
		err = runOnce(cmd.Context(), cfg, func(ctx context.Context) error {
			res, err = seeder.Run(ctx, acc, o)
			return err
		}, authfx.Service, catalogfx.Service, fx.Provide(catalogfx.NewSeeder), fx.Populate(&seeder, &acc))
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
