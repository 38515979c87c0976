package service

// DecodeCost exposes decodeCost to the tests that measure it.
var DecodeCost = decodeCost

// ReservationsWaiting is how many reservations wait to be held with the
// next batch.
func ReservationsWaiting(s *Service) int { return s.reservations.Waiting() }

// CJK exposes cjk to the test that holds it to the index's characters.
var CJK = cjk
