// Package e2e proves the shop's journeys in a real browser: the tests build
// the bookstore binary, start it against an isolated database, and drive
// Debian's chromium through chromedp, one browser (with its own profile) per
// person. Every page a journey visits is saved as a screenshot under
// screenshots/<journey>/ at the repository root and checked with axe-core,
// which must report no serious or critical violation.
//
// Run them with `go test ./e2e/ -count=1 -v`. They need /usr/bin/chromium and
// the npm packages of this folder (`npm ci` here; .ci/run does both). Without
// chromium they skip, except under CI (the CI variable set), where they fail.
package e2e
