package client

// BooksWaiting is how many Books calls wait for the next call.
func BooksWaiting(c *Client) int { return c.books.Waiting() }
