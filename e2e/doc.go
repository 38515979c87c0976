// Package e2e proves the shop's journeys in a real browser: the tests build
// the bookstore binary, start it as a monolith and split (serve --split),
// each against an isolated database, and run every journey against both,
// driving Debian's chromium through chromedp, one browser context (with its
// own cookies and address) per person. Every page a journey visits is
// checked with axe-core, once per distinct markup, which must report no
// serious or critical violation; with -screenshots (make e2e) it is also
// saved as a screenshot under screenshots/<mode>/<journey>/ at the
// repository root.
//
// Run them with `go test ./e2e/ -count=1 -v`. They need /usr/bin/chromium and
// the npm packages of this folder (`npm ci` here; .ci/run does both). Without
// chromium they skip, except under CI (the CI variable set), where they fail.
package e2e
