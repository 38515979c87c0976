package client

// CredentialsWaiting is how many requests wait to send their credentials
// with the next call.
func CredentialsWaiting(c *Client) int { return c.credentials.Waiting() }
