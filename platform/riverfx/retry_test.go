package riverfx_test

import (
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/platform/riverfx"
)

func TestRetryPolicy_RescuesDoNotLengthenTheWait(t *testing.T) {
	t.Parallel()
	rescue := rivertype.AttemptError{Error: "Stuck job rescued by JobRescuer"}
	failure := rivertype.AttemptError{Error: "processor unavailable"}
	wait := func(errs ...rivertype.AttemptError) time.Duration {
		return time.Until(riverfx.RetryPolicy{}.NextRetry(&rivertype.JobRow{Attempt: len(errs) + 1, Errors: errs}))
	}

	require.Less(t, wait(rescue, rescue, rescue, rescue), 2*time.Second, "four crashes: run again at once")
	require.Less(t, wait(rescue, rescue, failure), 20*time.Second, "the job's own second failure: about 16 s")
	require.Greater(t, wait(rescue, rescue, failure), 10*time.Second)
	require.Greater(t, wait(failure, failure, failure), time.Minute, "own failures back off as River's do (4⁴ s)")
}
