package service_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/catalog/internal/service"
	"github.com/bookstore/bookstore/platform/apperr"
)

// FuzzParseListings: whatever a seller uploads, the parser answers with
// rows or with a reason for the whole file, never a panic or another error.
func FuzzParseListings(f *testing.F) {
	for _, s := range []string{
		csvHeader + "Le Petit Prince,Saint-Exupéry,0-14-143951-3,Very Good,12.50,2,A classic.,French,1943\n",
		"\xEF\xBB\xBFtitle;author;condition;price\r\nEmma;Jane Austen;fine;4,50\r\n",
		"title,author,condition,price\nEmma,\"Jane \"\"A\"\"\",good,5\nEmma,Jane,good\n",
		"title,author,condition,price\nL'\xe9tranger,Camus,good,5\n",
		"\xFF\xFEt\x00",
		"title,,price\n",
	} {
		f.Add([]byte(s))
	}
	// Parsing reads no database: the service needs only its rules.
	svc := service.New(nil, nil)
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := svc.ParseListings(data)
		if err != nil {
			require.Contains(t, []apperr.Kind{apperr.Invalid, apperr.TooLarge}, apperr.KindOf(err), err.Error())
			require.NotEmpty(t, apperr.As(err).Fields["file"])
			return
		}
		require.NotEmpty(t, rows)
		for _, r := range rows {
			require.GreaterOrEqual(t, r.Line, 2)
			if r.Valid() {
				require.NotEmpty(t, r.Input.Title)
				require.Positive(t, r.Input.PriceCents)
			}
		}
	})
}
