// Package random makes unguessable names and keys: photo files' names,
// visitors' cart ids, checkout forms' idempotency keys, the simulated
// processor's card tokens, the split shop's internal token, and the
// databases of tests and the bench.
package random

import (
	"crypto/rand"
	"encoding/hex"
)

// Hex returns n bytes from crypto/rand as 2n lower-case hex digits.
func Hex(n int) string {
	b := make([]byte, n)
	// Since Go 1.24 Read never returns an error: it crashes the program
	// rather than hand out bytes that are not random.
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
