package service

import (
	"net/mail"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// FuzzValidate checks that the field rules never panic and that whatever
// they accept keeps the stated bounds.
func FuzzValidate(f *testing.F) {
	for _, s := range []string{"a@example.com", "Ada <a@example.com>", "  Ada  ", "\u202e", "x@y", "é@é.é", "Zoe\u0308@Bücher.example", "a@bücher_.example", strings.Repeat("a", 300)} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, email, name string) {
		email, name = normalizeEmail(email), normalizeName(name)
		if checkEmail(email) == "" {
			require.LessOrEqual(t, utf8.RuneCountInString(email), MaxEmail)
			a, err := mail.ParseAddress(email)
			require.NoError(t, err)
			require.Equal(t, email, a.Address)
			require.Equal(t, email, normalizeEmail(email), "one normal form")
		}
		if checkName(name) == "" {
			n := utf8.RuneCountInString(name)
			require.True(t, n >= MinName && n <= MaxName, name)
			require.Equal(t, strings.TrimSpace(name), name)
		}
		if checkPassword(name, email) == "" {
			require.False(t, strings.EqualFold(strings.TrimSpace(name), email))
		}
	})
}
