package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"go.uber.org/fx"
	"golang.org/x/term"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/authfx"
	"github.com/bookstore/bookstore/platform/activity"
	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/config"
	"github.com/bookstore/bookstore/platform/mail"
)

// passwordEnv lets scripts pass a password without a flag, which would
// show in the process list and the shell history.
const passwordEnv = "BOOKSTORE_USER_PASSWORD"

func newUserCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "user",
		Short: "Create accounts and make or unmake admins",
		Args:  cobra.NoArgs,
	}
	var split bool
	cmd.PersistentFlags().BoolVar(&split, "split", false, "act on the accounts of a shop run by serve --split (its auth database in the private cluster of --data-dir)")
	cmd.AddCommand(newUserCreateCommand(&split), newUserPromoteCommand(&split), newUserDemoteCommand(&split))
	return cmd
}

func newUserCreateCommand(split *bool) *cobra.Command {
	// Admins made here are in the activity log, as the promotions are.
	nu := auth.NewUser{Actor: activity.CommandLine}
	cmd := &cobra.Command{
		Use:   "create --email EMAIL --name NAME [--admin]",
		Short: "Create an account; the password is read from stdin or $" + passwordEnv,
		Long: `Create an account with the sign-up rules (a unique email, a display name of
2 to 40 characters, a password of 10 to 128 characters). The password is
never a flag: it comes from $` + passwordEnv + ` when set; else, on a
terminal, it is typed twice without being shown; else it is the first line
of stdin. --admin makes the first admin (Admin → Activity lists it).`,
		Args: cobra.NoArgs,
	}
	cmd.Flags().StringVar(&nu.Email, "email", "", "the account's email (required)")
	cmd.Flags().StringVar(&nu.Name, "name", "", "the display name (required)")
	cmd.Flags().BoolVar(&nu.Admin, "admin", false, "make the account an admin")
	_ = cmd.MarkFlagRequired("email")
	_ = cmd.MarkFlagRequired("name")
	load := bindConfig(cmd, storeFlags...)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		pw, err := readPassword(cmd)
		if err != nil {
			return err
		}
		nu.Password = pw
		cfg, err := load()
		if err != nil {
			return err
		}
		return withAccounts(cmd.Context(), cfg, *split, func(ctx context.Context, acc auth.Accounts) error {
			u, err := acc.CreateUser(ctx, nu)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "created %s user %d <%s>\n", u.Role, u.ID, mail.ShownAddress(u.Email))
			return err
		})
	}
	return cmd
}

func newUserPromoteCommand(split *bool) *cobra.Command {
	return newUserRoleCommand(split, "promote EMAIL", "Make an existing account an admin (its sessions end); a disabled one is refused",
		auth.Accounts.Promote, "an admin")
}

func newUserDemoteCommand(split *bool) *cobra.Command {
	return newUserRoleCommand(split, "demote EMAIL", "Take an admin's rights away (its sessions end); the last active admin's are refused",
		auth.Accounts.Demote, "a member")
}

// newUserRoleCommand sets the role of the account with the email given,
// with set, and says which role it now has.
func newUserRoleCommand(split *bool, use, short string, set func(auth.Accounts, context.Context, string) (auth.User, error), role string) *cobra.Command {
	cmd := &cobra.Command{Use: use, Short: short, Args: cobra.ExactArgs(1)}
	load := bindConfig(cmd, storeFlags...)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		cfg, err := load()
		if err != nil {
			return err
		}
		return withAccounts(cmd.Context(), cfg, *split, func(ctx context.Context, acc auth.Accounts) error {
			u, err := set(acc, ctx, args[0])
			if errors.Is(err, auth.ErrNotFound) {
				return fmt.Errorf("no account has the email %q", args[0])
			}
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.OutOrStdout(), "user %d <%s> is %s\n", u.ID, mail.ShownAddress(u.Email), role)
			return err
		})
	}
	return cmd
}

// readPassword takes the password from the environment; else, on a
// terminal, typed twice without echo; else from stdin's first line,
// without its line ending.
func readPassword(cmd *cobra.Command) (string, error) {
	if pw, ok := os.LookupEnv(passwordEnv); ok {
		return pw, nil
	}
	if f, ok := cmd.InOrStdin().(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return promptPassword(cmd.ErrOrStderr(), func() ([]byte, error) { return term.ReadPassword(int(f.Fd())) })
	}
	line, err := bufio.NewReader(io.LimitReader(cmd.InOrStdin(), 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read the password from stdin: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", fmt.Errorf("no password: pipe it to stdin or set $%s", passwordEnv)
	}
	return pw, nil
}

// promptPassword asks for the password twice on a terminal, which does not
// echo it, and fails when the two differ.
func promptPassword(w io.Writer, read func() ([]byte, error)) (string, error) {
	var typed [2]string
	for i, prompt := range []string{"Password: ", "Again, to confirm: "} {
		fmt.Fprint(w, prompt)
		pw, err := read()
		fmt.Fprintln(w)
		if err != nil {
			return "", fmt.Errorf("read the password: %w", err)
		}
		typed[i] = string(pw)
	}
	switch {
	case typed[0] == "":
		return "", errors.New("no password typed")
	case typed[0] != typed[1]:
		return "", errors.New("the two passwords differ; nothing was created")
	}
	return typed[0], nil
}

// withAccounts starts only configuration, the database and the accounts
// service (no HTTP server, no jobs), as the auth process of a split shop
// when split, runs f, and stops.
func withAccounts(ctx context.Context, cfg config.Config, split bool, f func(context.Context, auth.Accounts) error) error {
	var acc auth.Accounts
	return runOnceAs(ctx, cfg, split, config.ModuleAuth, func(ctx context.Context) error { return f(ctx, acc) }, authfx.Service, fx.Populate(&acc))
}

// describeFieldErrors spells out each field's message of a validation
// error, e.g. "email: an account with this email already exists".
func describeFieldErrors(err error) error {
	e := apperr.As(err)
	if e == nil || len(e.Fields) == 0 {
		return err
	}
	names := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		names = append(names, k)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, k := range names {
		parts[i] = k + ": " + e.Fields[k]
	}
	return fmt.Errorf("%s (%s)", e.Message, strings.Join(parts, "; "))
}
