package client

// BooksWaiting is how many Books calls wait for the next call.
func BooksWaiting(c *Client) int { return c.books.Waiting() }

// ReservationsWaiting is how many reservations wait for the next call.
func ReservationsWaiting(c *Client) int { return c.reservations.Waiting() }
