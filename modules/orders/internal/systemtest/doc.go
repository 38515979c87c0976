// Package systemtest holds the tests and benchmarks of the whole shop: every
// module, River and the router wired as the monolith runs them (or the real
// binary, killed and restarted), driven through the API and the pages. It
// lives in the orders module because its race test and checkout benchmark
// call the orders service directly.
package systemtest
