package text

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseMoney(t *testing.T) {
	t.Parallel()
	good := map[string]int64{
		"12": 1200, "12.5": 1250, "12.50": 1250, "0.99": 99, ".5": 50, "$7": 700,
		"1,250.00": 125000, " 3.05 ": 305, "0": 0, "-4.20": -420, "10000": 1000000,
		"0000000000000012.50": 1250, "1,500": 150000,
	}
	for in, want := range good {
		got, err := ParseMoney(in, DecimalPoint)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "abc", "12.345", "1.500", "1.", "1e3", "12,50", "1,2345", "1 500", "1.500,00", "NaN", "0x10", "--1", "١٢", strings.Repeat("9", 40) + "x"} {
		_, err := ParseMoney(in, DecimalPoint)
		require.ErrorIs(t, err, ErrMoney, in)
	}
	// Written well but too large to hold: just past what it holds, so each
	// field's maximum, not "like 12.50", is what a form says of it.
	for in, want := range map[string]int64{
		"1000000000.01": maxMoneyCents + 1, "999999999999.99": maxMoneyCents + 1, "99999999999999": maxMoneyCents + 1,
		"1,000,000,000,000": maxMoneyCents + 1, strings.Repeat("9", 40): maxMoneyCents + 1, "-5000000000": -maxMoneyCents - 1,
	} {
		got, err := ParseMoney(in, DecimalPoint)
		require.ErrorIs(t, err, ErrMoneyRange, in)
		require.Equal(t, want, got, in)
	}
	require.Equal(t, "must be at most 1000000000.00", ErrMoneyRange.Error())
	require.Equal(t, "12.50", MoneyInput(1250))
	require.Equal(t, "0.05", MoneyInput(5))
	require.Equal(t, "-4.20", MoneyInput(-420))
}

// TestParseMoney_DecimalComma: amounts as European spreadsheets write
// them, the comma before the cents; one written the other way is refused,
// never read 100 or 1000 times too high.
func TestParseMoney_DecimalComma(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int64{
		"12,50": 1250, "12,5": 1250, ",5": 50, "12": 1200, "1500": 150000, "$7": 700, " 3,05 ": 305, "-4,20": -420,
		"1,500": 150, "1,5000": 150, "1.500,00": 150000, "1.500": 150000, "1.234.567,89": 123456789,
		"1 500,00": 150000, "1\u00a0500,00": 150000, "1\u202f500": 150000, "0,99": 99,
	} {
		got, err := ParseMoney(in, DecimalComma)
		require.NoError(t, err, "%q", in)
		require.Equal(t, want, got, "%q", in)
	}
	for _, in := range []string{
		"", "abc", "12.50", "1.5", "1,250.00", "12,345", "1,501", "1,", "12,50,00", "1.50,00", "1.5000", "15.00",
		"1 500.00", "1.500 000", "1,500.00", ".500", "1e3", "1_500",
	} {
		_, err := ParseMoney(in, DecimalComma)
		require.ErrorIs(t, err, ErrMoneyComma, "%q", in)
	}
	got, err := ParseMoney("1.000.000.000.000", DecimalComma)
	require.ErrorIs(t, err, ErrMoneyRange)
	require.Equal(t, int64(maxMoneyCents+1), got)
	require.Equal(t, "must be an amount like 12,50", ErrMoneyComma.Error())
}

func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"12.50", "1,250.00", "-3", "$0.99", "", ".5", "1e9", "1.250,00", "1 500", "1,500"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, mark := range []DecimalMark{DecimalPoint, DecimalComma} {
			cents, err := ParseMoney(s, mark)
			if errors.Is(err, ErrMoneyRange) {
				require.Contains(t, []int64{maxMoneyCents + 1, -maxMoneyCents - 1}, cents)
				continue
			}
			if err != nil {
				require.ErrorIs(t, err, mark.err())
				continue
			}
			require.LessOrEqual(t, cents, int64(maxMoneyCents))
			require.GreaterOrEqual(t, cents, -int64(maxMoneyCents))
			written := strings.Replace(MoneyInput(cents), ".", string(mark), 1)
			back, err := ParseMoney(written, mark)
			require.NoError(t, err)
			require.Equal(t, cents, back, "format and parse round-trip")
		}
	})
}

func TestIsCountryCode(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"CO", "US", "GB", "AQ"} {
		require.True(t, IsCountryCode(ok), ok)
	}
	for _, bad := range []string{"", "C", "co", "COL", "C0", "ÇO", "XX", "ZZ", "AA", "QM", "EU", "01"} {
		require.False(t, IsCountryCode(bad), bad)
	}
}

func TestPlural(t *testing.T) {
	t.Parallel()
	require.Equal(t, "1 copy", "1 "+Plural(1, "copy", "copies"))
	require.Equal(t, "copies", Plural(0, "copy", "copies"))
	require.Equal(t, "copies", Plural(2, "copy", "copies"))
}

func TestCheck(t *testing.T) {
	for s, want := range map[string]error{
		"":                          nil,
		"Le Petit Prince":           nil,
		"two\nlines\r\n\tand a tab": nil,
		"replacement \ufffd":        nil,
		"a\x00b":                    ErrControl,
		"bell\a":                    ErrControl,
		"del\x7f":                   ErrControl,
		"c1 \u0085":                 ErrControl,
		"a\xff@example.com":         ErrEncoding,
		"\xc0\xaf":                  ErrEncoding,
		"\xed\xa0\x80":              ErrEncoding, // a surrogate
	} {
		require.Equal(t, want, Check(s), "%q", s)
	}
}

func TestClean(t *testing.T) {
	for s, want := range map[string]string{
		"Le Petit Prince":              "Le Petit Prince",
		"two\nlines\r\n\tand a tab":    "two\nlines\r\n\tand a tab",
		"replacement \ufffd":           "replacement \ufffd",
		"a\x00b\vc\x7fd\u0085e":        "abcde",
		"a\xff@example.com\xc0\xaf":    "a@example.com",
		"an \xed\xa0\x80unpaired half": "an unpaired half",
	} {
		require.Equal(t, want, Clean(s), "%q", s)
	}
}

// FuzzClean: whatever was sent, what Clean leaves passes Check, and text
// that passed is left as it was.
func FuzzClean(f *testing.F) {
	for _, s := range []string{"", "plain", "a\x00b", "\xff\xfe", "é\u0085\ufffd", "\xed\xa0\x80"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := Clean(s)
		require.NoError(t, Check(c), "%q cleaned to %q", s, c)
		if Check(s) == nil {
			require.Equal(t, s, c)
		}
	})
}

func TestCheckLine(t *testing.T) {
	for s, want := range map[string]error{
		"Admin":         nil,
		"שלום عالم":     nil,
		"می\u200cخواهم": nil, // Persian with a zero-width non-joiner
		"👩\u200d💻":      nil,
		"\u202enimdA":   ErrInvisible,
		"Ad\u200bmin":   ErrInvisible,
		"\u2066x\u2069": ErrInvisible,
		"\u200fAdmin":   nil, // a direction mark reverses nothing
		"\u202aAdmin":   ErrInvisible,
		"\ufeffAdmin":   ErrInvisible,
		"Ad\u00admin":   ErrInvisible,
		"\u3164":        ErrInvisible,
		"two\nlines":    ErrLineBreak,
		"tab\there":     ErrLineBreak,
		"a\x00b":        ErrControl,
		"a\xffb":        ErrEncoding,
	} {
		require.Equal(t, want, CheckLine(s), "%q", s)
	}
}

func TestCheckShown(t *testing.T) {
	for s, want := range map[string]error{
		"Fast delivery.\nWell packed.": nil,
		"שלום\r\nعالم":                 nil,
		"می\u200cخواهم":                nil,
		"Great \u202eseller":           ErrInvisible,
		"ok\n\u2066x\u2069":            ErrInvisible,
		"zero\u200bwidth":              ErrInvisible,
		"a\x00b":                       ErrControl,
		"a\xffb":                       ErrEncoding,
	} {
		require.Equal(t, want, CheckShown(s), "%q", s)
	}
}

func TestLines(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"one\r\ntwo": "one\ntwo", "one\rtwo": "one\ntwo", "one\ntwo": "one\ntwo",
		"a\r\n\r\nb\r": "a\n\nb\n", "a\r\r\nb": "a\n\nb", "": "",
	} {
		require.Equal(t, want, Lines(in), "%q", in)
	}
}

func TestQuote(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		`He said "hi"`: "“\u2068He said \"hi\"\u2069”",
		"Café 1984":    "“\u2068Café 1984\u2069”",
		"שלום עולם":    "“\u2068שלום עולם\u2069”",
		"":             "“\u2068\u2069”",
	} {
		got := Quote(in)
		require.Equal(t, want, got, "%q", in)
		require.NotContains(t, got, `\`, "%q", in)
	}
	require.Equal(t, "\u2068דנה\u2069", Isolate("דנה"))
}
