package service

// PaymentsWaiting is how many approved payments wait to be settled with
// the next batch.
func PaymentsWaiting(s *Service) int { return s.payments.Waiting() }

// SubmissionsWaiting is how many checkouts with their copies held wait to
// move to awaiting payment with the next batch.
func SubmissionsWaiting(s *Service) int { return s.submissions.Waiting() }

// DuesWaiting is how many charges wait to read their payments with the
// next batch.
func DuesWaiting(s *Service) int { return s.dues.Waiting() }
