package service

// SessionsWaiting is how many requests wait to read their sessions with
// the next batch.
func SessionsWaiting(s *Service) int { return s.sessions.Waiting() }
