//go:build race

package systemtest_test

// race reports a build with the race detector, whose sync.Pool drops
// items at random, so allocation counts say nothing.
const race = true
