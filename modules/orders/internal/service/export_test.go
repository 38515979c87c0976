package service

// PaymentsWaiting is how many approved payments wait to be settled with
// the next batch.
func PaymentsWaiting(s *Service) int { return s.payments.Waiting() }
