package main

import (
	"fmt"
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

Every flag can also be set by an environment variable: DATABASE_URL for
--database-url, BOOKSTORE_<FLAG> for the others (--log-level is
BOOKSTORE_LOG_LEVEL). A flag on the command line wins over its variable.
<VARIABLE>_FILE names a file that holds the value instead (DATABASE_URL_FILE
for a mounted secret).`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return fmt.Errorf("%w (see %s --help)", err, c.CommandPath())
	})
	root.AddCommand(newServeCommand(), newMigrateCommand(), newVersionCommand())
	root.AddCommand(newUserCommand())
	root.AddCommand(newSeedCommand())
	return root
}

// bindConfig adds the shared flags to cmd and returns a loader that applies
// the environment and validates them.
func bindConfig(cmd *cobra.Command) func() (config.Config, error) {
	flags := config.Bind(cmd.Flags())
	documentEnv(cmd.Flags())
	return func() (config.Config, error) {
		if err := config.ApplyEnv(cmd.Flags()); err != nil {
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
