package payment_test

import (
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/modules/orders/internal/payment"
)

func TestValidate(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	ok := payment.Card{Number: "4242 4242 4242 4242", ExpMonth: 11, ExpYear: 2026, CVC: "123"}
	require.Nil(t, payment.Validate(ok, now))
	for name, tc := range map[string]struct {
		card   payment.Card
		fields []string
	}{
		"Empty":        {payment.Card{ExpMonth: 1, ExpYear: 2030, CVC: "123"}, []string{"number"}},
		"Luhn":         {payment.Card{Number: "4242424242424241", ExpMonth: 1, ExpYear: 2030, CVC: "123"}, []string{"number"}},
		"Letters":      {payment.Card{Number: "4242abcd42424242", ExpMonth: 1, ExpYear: 2030, CVC: "123"}, []string{"number"}},
		"ExpiredMonth": {payment.Card{Number: "4242424242424242", ExpMonth: 10, ExpYear: 2026, CVC: "123"}, []string{"exp_month"}},
		"ExpiredYear":  {payment.Card{Number: "4242424242424242", ExpMonth: 12, ExpYear: 2025, CVC: "123"}, []string{"exp_year"}},
		"BadMonth":     {payment.Card{Number: "4242424242424242", ExpMonth: 13, ExpYear: 2030, CVC: "123"}, []string{"exp_month"}},
		"ShortYear":    {payment.Card{Number: "4242424242424242", ExpMonth: 1, ExpYear: 30, CVC: "123"}, []string{"exp_year"}},
		"NoExpiry":     {payment.Card{Number: "4242424242424242", CVC: "123"}, []string{"exp_month", "exp_year"}},
		"BadMonthPast": {payment.Card{Number: "4242424242424242", ExpMonth: 13, ExpYear: 2020, CVC: "123"}, []string{"exp_month", "exp_year"}},
		"ShortCVC":     {payment.Card{Number: "4242424242424242", ExpMonth: 1, ExpYear: 2030, CVC: "12"}, []string{"cvc"}},
		"AmexCVC":      {payment.Card{Number: "378282246310005", ExpMonth: 1, ExpYear: 2030, CVC: "123"}, []string{"cvc"}},
		"Injection":    {payment.Card{Number: "' OR 1=1 --", ExpMonth: 1, ExpYear: 2030, CVC: "<b>"}, []string{"number", "cvc"}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			require.ElementsMatch(t, tc.fields, slices.Collect(maps.Keys(payment.Validate(tc.card, now))), "a message at each field that is wrong, and only there")
		})
	}
}

func TestCharge(t *testing.T) {
	t.Parallel()
	tok := func(n string) string {
		tk := payment.Tokenize(payment.Card{Number: n})
		require.NotContains(t, tk.Token, n)
		return tk.Token
	}
	res, err := payment.Charge(tok("4242424242424242"), 1)
	require.NoError(t, err)
	require.True(t, res.Approved)
	res, err = payment.Charge(tok("4000000000000002"), 1)
	require.NoError(t, err)
	require.Equal(t, payment.ReasonDeclined, res.Reason)
	res, err = payment.Charge(tok("4000000000009995"), 1)
	require.NoError(t, err)
	require.Equal(t, payment.ReasonInsufficient, res.Reason)
	flaky := tok("4000000000000119")
	for attempt := 1; attempt <= 2; attempt++ {
		_, err = payment.Charge(flaky, attempt)
		require.ErrorIs(t, err, payment.ErrUnavailable)
	}
	res, err = payment.Charge(flaky, 3)
	require.NoError(t, err)
	require.True(t, res.Approved)
	res, err = payment.Charge(tok("5555555555554444"), 1)
	require.NoError(t, err)
	require.True(t, res.Approved)
	tk := payment.Tokenize(payment.Card{Number: "5555 5555 5555 4444"})
	require.Equal(t, "mastercard", tk.Brand)
	require.Equal(t, "4444", tk.Last4)
}

// TestCountsAttempts: a card whose attempts are not counted is charged as
// attempt 1 every time, so its answer must not depend on the attempt.
func TestCountsAttempts(t *testing.T) {
	t.Parallel()
	for _, n := range []string{"4242424242424242", "4000000000000002", "4000000000009995", "5555555555554444", "4000000000000119"} {
		tok := payment.Tokenize(payment.Card{Number: n}).Token
		first, firstErr := payment.Charge(tok, 1)
		later, laterErr := payment.Charge(tok, 3)
		depends := first != later || (firstErr == nil) != (laterErr == nil)
		require.Equal(t, depends, payment.CountsAttempts(tok), n)
	}
	require.True(t, payment.CountsAttempts(payment.Tokenize(payment.Card{Number: "4000000000000119"}).Token), "the flaky card is counted")
}

func FuzzValidate(f *testing.F) {
	f.Add("4242424242424242", 12, 2030, "123")
	f.Fuzz(func(t *testing.T, n string, m, y int, cvc string) {
		fields := payment.Validate(payment.Card{Number: n, ExpMonth: m, ExpYear: y, CVC: cvc}, time.Now())
		if fields == nil {
			tk := payment.Tokenize(payment.Card{Number: n})
			require.Len(t, tk.Last4, 4)
		}
	})
}
