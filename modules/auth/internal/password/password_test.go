package password_test

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/auth/internal/password"
)

var fast = password.Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func TestHash_PHCStringWithParameters(t *testing.T) {
	t.Parallel()
	h, err := password.Hash("correct horse battery", password.Default)
	require.NoError(t, err)
	require.Regexp(t, regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`), h)

	ok, err := password.Verify("correct horse battery", h)
	require.NoError(t, err)
	require.True(t, ok)
	ok, err = password.Verify("correct horse batterY", h)
	require.NoError(t, err)
	require.False(t, ok)

	h2, err := password.Hash("correct horse battery", password.Default)
	require.NoError(t, err)
	require.NotEqual(t, h, h2, "each hash has its own salt")
}

func TestVerify_OldParametersStillVerify(t *testing.T) {
	t.Parallel()
	h, err := password.Hash("long enough pw", fast)
	require.NoError(t, err)
	ok, err := password.Verify("long enough pw", h)
	require.NoError(t, err)
	require.True(t, ok, "a hash verifies under its own recorded parameters")
	require.True(t, password.NeedsRehash(h, password.Default))
	require.False(t, password.NeedsRehash(h, fast))
}

func TestVerify_Malformed(t *testing.T) {
	t.Parallel()
	for _, h := range []string{
		"", "plain", "$2a$12$abcdefghijklmnopqrstuv",
		"$argon2id$v=19$m=1024,t=1,p=1$$AAAAAAAAAAAAAAAAAAAAAA",
		"$argon2id$v=18$m=1024,t=1,p=1$c2FsdHNhbHRzYWx0$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHRzYWx0$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHRzYWx0$!!",
	} {
		_, err := password.Verify("whatever pw", h)
		require.ErrorIs(t, err, password.ErrMalformed, h)
		require.True(t, password.NeedsRehash(h, fast))
	}
}

func FuzzVerify(f *testing.F) {
	h, _ := password.Hash("seed password", fast)
	f.Add(h)
	f.Add("$argon2id$v=19$m=1,t=1,p=1$AA$AA")
	f.Fuzz(func(t *testing.T, encoded string) {
		_, _ = password.Verify("x", encoded) // must not panic
	})
}
