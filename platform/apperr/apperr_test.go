package apperr_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/platform/apperr"
)

var errStock = apperr.New(apperr.Conflict, "catalog.out_of_stock", "out of stock")

func TestError_IsComparesCodesOnly(t *testing.T) {
	t.Parallel()
	// A remote client rebuilds the sentinel from the code on the wire,
	// with the message and fields the server sent.
	rebuilt := &apperr.Error{Kind: apperr.Conflict, Code: "catalog.out_of_stock", Message: `only 1 copy of "Dune" is available`}
	require.ErrorIs(t, rebuilt, errStock)
	require.ErrorIs(t, fmt.Errorf("reserve order 7: %w", rebuilt), errStock, "wrapping keeps the match")
	require.ErrorIs(t, errStock.WithMessage("other words").WithFields(map[string]string{"copies": "too many"}), errStock)

	require.NotErrorIs(t, apperr.New(apperr.Conflict, "catalog.not_held", "out of stock"), errStock, "same kind and message, other code")
	require.NotErrorIs(t, errors.New("catalog.out_of_stock"), errStock, "a plain error never matches")
}

func TestError_WithCopies(t *testing.T) {
	t.Parallel()
	fields := map[string]string{"email": "taken"}
	e := apperr.ErrInvalid.WithFields(fields)
	fields["email"] = "changed afterwards"
	require.Equal(t, "taken", e.Fields["email"], "the fields are copied")
	require.Nil(t, apperr.ErrInvalid.Fields, "the sentinel is never changed")

	m := apperr.ErrInvalid.WithMessage("check the form")
	require.Equal(t, "check the form", m.Error())
	require.Equal(t, "some fields need attention", apperr.ErrInvalid.Message)

	r := apperr.ErrTooMany.WithRetryAfter(90 * time.Second)
	require.Equal(t, 90*time.Second, r.RetryAfter)
	require.Zero(t, apperr.ErrTooMany.RetryAfter)
}

func TestKindOf(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		err  error
		want apperr.Kind
	}{
		"Sentinel":     {apperr.ErrForbidden, apperr.Forbidden},
		"Wrapped":      {fmt.Errorf("place order: %w", errStock), apperr.Conflict},
		"Joined":       {errors.Join(apperr.ErrUnavailable, errors.New("dial tcp: refused")), apperr.Unavailable},
		"Unclassified": {errors.New("boom"), apperr.Internal},
		"Nil":          {nil, apperr.Internal},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, c.want, apperr.KindOf(c.err))
		})
	}
}

func TestAs(t *testing.T) {
	t.Parallel()
	require.Nil(t, apperr.As(errors.New("plain")))
	got := apperr.As(fmt.Errorf("outer: %w", errStock.WithMessage("inner")))
	require.NotNil(t, got)
	require.Equal(t, "catalog.out_of_stock", got.Code)
	require.Equal(t, "inner", got.Message)
}
