package service

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseISBN(t *testing.T) {
	t.Parallel()
	good := map[string]string{
		"978-0-14-143951-8":  "9780141439518",
		"9780141439518":      "9780141439518",
		"0-14-143951-3":      "9780141439518",
		"0141439513":         "9780141439518",
		"0-8044-2957-X":      "9780804429573",
		"080442957x":         "9780804429573",
		" 979 10 90636 07 1": "9791090636071",
		// As copied from typeset text or typed on a CJK keyboard.
		"978\u20110\u201114\u2011143951\u20118": "9780141439518",
		"978–0–14–143951–8":                     "9780141439518",
		"978\u00a00\u00a014\u00a0143951\u00a08": "9780141439518",
		"９７８０１４１４３９５１８":                         "9780141439518",
		"０‐８０４４‐２９５７‐Ｘ":                         "9780804429573",
	}
	for in, want := range good {
		got, err := ParseISBN(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	bad := map[string]error{
		"978-0-14-143951-9":  errISBNCheck,
		"0141439514":         errISBNCheck,
		"":                   errISBNShape,
		"12345":              errISBNShape,
		"97801414395189":     errISBNShape,
		"X141439513":         errISBNShape,
		"9770141439518":      errISBNShape,
		"978014143951X":      errISBNShape,
		"abc":                errISBNShape,
		"'; DROP TABLE x;--": errISBNShape,
		"٩٧٨٠١٤١٤٣٩٥١٨":      errISBNShape,
	}
	for in, want := range bad {
		_, err := ParseISBN(in)
		require.ErrorIs(t, err, want, in)
	}
}

func FuzzParseISBN(f *testing.F) {
	for _, s := range []string{"978-0-14-143951-8", "0-8044-2957-X", "", "X", "979-10-90636-07-1", "12345678901234"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseISBN(s)
		if err != nil {
			return
		}
		require.Len(t, got, 13)
		again, err := ParseISBN(got)
		require.NoError(t, err, "a normalised ISBN must parse again")
		require.Equal(t, got, again)
	})
}
