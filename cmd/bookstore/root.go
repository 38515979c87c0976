package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/bookstore/bookstore/platform/config"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "bookstore",
		Short: "BookStore, a marketplace for second-hand books",
		Long: `BookStore, a marketplace for second-hand books.

Every shared flag can also be set by an environment variable: DATABASE_URL
for --database-url, BOOKSTORE_<FLAG> for the others (--log-level is
BOOKSTORE_LOG_LEVEL); a command's own flags (--admin, --email, --force) have
none. A flag on the command line wins over its variable.
<VARIABLE>_FILE names a file that holds the value instead (DATABASE_URL_FILE
for a mounted secret); an empty file is an error.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return fmt.Errorf("%w (see %s --help)", err, c.CommandPath())
	})
	root.AddCommand(newServeCommand(), newMigrateCommand(), newVersionCommand())
	root.AddCommand(newUserCommand())
	root.AddCommand(newSeedCommand())
	root.AddCommand(newProbeCommand())
	return root
}

// storeFlags are the shared flags of a command that works on the database
// and stops (user, seed, migrate): where the data lives, logging, and how
// long stopping may take.
var storeFlags = []string{"database-url", "data-dir", "migrate", "log-level", "log-format", "shutdown-timeout"}

// bindConfig adds to cmd the shared flags it uses, by name (every one when
// none is named), so its --help lists only those, and returns a loader that
// applies the environment to them and validates the configuration. A
// command's own flags (--admin, --email, --force) have no variable; shared
// flags cmd does not use keep their defaults.
func bindConfig(cmd *cobra.Command, names ...string) func() (config.Config, error) {
	all := pflag.NewFlagSet(cmd.Name(), pflag.ContinueOnError)
	flags := config.Bind(all)
	shared := pflag.NewFlagSet(cmd.Name(), pflag.ContinueOnError)
	all.VisitAll(func(f *pflag.Flag) {
		if len(names) == 0 || slices.Contains(names, f.Name) {
			shared.AddFlag(f)
		}
	})
	documentEnv(shared)
	cmd.Flags().AddFlagSet(shared)
	return func() (config.Config, error) {
		if err := config.ApplyEnv(shared); err != nil {
			return config.Config{}, err
		}
		return flags.Load()
	}
}

// documentEnv appends each flag's environment variable to its usage.
func documentEnv(fs *pflag.FlagSet) {
	fs.VisitAll(func(f *pflag.Flag) {
		if !strings.Contains(f.Usage, "$") {
			f.Usage += " ($" + config.EnvName(f.Name) + ")"
		}
	})
}

func newVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of this binary",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(cmd.OutOrStdout(), "bookstore", version)
			return err
		},
	}
}
