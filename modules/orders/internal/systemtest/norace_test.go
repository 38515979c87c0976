//go:build !race

package systemtest_test

// race reports a build with the race detector (see race_test.go).
const race = false
