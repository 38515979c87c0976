package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/platform/mail/mailtest"
	"github.com/bookstore/bookstore/platform/pgtest"
	"github.com/bookstore/bookstore/platform/proctest"
)

// screenshots is off in `make test`, where nobody looks at them; `make e2e`
// turns it on. A failing page is saved either way.
var screenshots = flag.Bool("screenshots", false, "save every page a journey visits, wide and at a phone's width, under screenshots/")

func TestMain(m *testing.M) {
	flag.Parse()
	parallel := false
	flag.Visit(func(f *flag.Flag) { parallel = parallel || f.Name == "test.parallel" })
	if !parallel {
		// A journey mostly waits (for pages, jobs, a shipment's steps), so
		// more of them run at once than there are cores, unless -parallel
		// says otherwise.
		if err := flag.Set("test.parallel", strconv.Itoa(journeysAtOnce)); err != nil {
			panic(err)
		}
	}
	pgtest.Main(m)
}

// journeysAtOnce is how many journeys run at once by default.
const journeysAtOnce = 4

// chromiumPath is Debian's chromium, installed by .ci/run.
const chromiumPath = "/usr/bin/chromium"

// Deadlines: every wait polls until one of these passes, never sleeps.
const (
	actionTimeout = 60 * time.Second // one browser action or one page load: generous, for a loaded machine; it only bounds a failure
	startTimeout  = 90 * time.Second // the shop becoming ready
	pollEvery     = 50 * time.Millisecond
)

// requireChromium skips the test when chromium is missing on a developer's
// machine, and fails it under CI, where .ci/run must have installed it.
func requireChromium(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err == nil {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is missing, and CI is set: .ci/run installs it with apt-get install chromium", chromiumPath)
	}
	t.Skipf("browser tests skipped: %s is missing (apt-get install chromium, or run .ci/run)", chromiumPath)
}

// repoRoot is the repository's top folder; tests run in e2e/.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	return root
}

// Shop is the running shop the browsers visit, with its database and the
// SMTP server its emails arrive at.
type Shop struct {
	URL         string
	DatabaseURL string
	Mail        *mailtest.Server
}

// launchShop starts the real binary in mode (monolith or split: the
// gateway and a process per module, supervised by serve --split) against a
// fresh, migrated database on a free local port; the function it returns
// waits until the shop is ready. The shop stops with the test; the end of
// its log is printed when the test failed.
func launchShop(t *testing.T, mode string) func() *Shop {
	t.Helper()
	s := &Shop{DatabaseURL: pgtest.NewURL(t), Mail: mailtest.NewServer(t)}
	p := proctest.Launch(t, mode == modeSplit, []string{"DATABASE_URL=" + s.DatabaseURL, "BOOKSTORE_SMTP_URL=" + s.Mail.URL("shop@example.com")}, "--trust-proxy", "--public-url", "https://shop.example.com", "--shutdown-timeout", "5s", "--shipping-step", "300ms")
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("bookstore (%s) log (end):\n%s", mode, tail(p.Stderr(), 60))
		}
	})
	s.URL = p.URL()
	return func() *Shop {
		t.Helper()
		p.Wait(t)
		return s
	}
}

// Run runs a bookstore subcommand (e.g. user promote) against the shop's
// database.
func (s *Shop) Run(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, proctest.Binary(t), args...)
	cmd.Env = append(os.Environ(), "DATABASE_URL="+s.DatabaseURL, "BOOKSTORE_DATA_DIR="+proctest.ReachableDir(t))
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "bookstore %s:\n%s", strings.Join(args, " "), out)
	return string(out)
}

// The modes the shop runs in; every journey runs in each.
const (
	modeMonolith = "monolith"
	modeSplit    = "split"
)

// journeyFunc is one end-to-end story, told in the journey it is given.
type journeyFunc func(t *testing.T, j *Journey)

// runJourneys runs each journey in both modes, in parallel, against one
// shop per mode that they share (each journey brings its own people and
// books, so none sees another's) and one chromium in which each person
// has a browser context of their own.
func runJourneys(t *testing.T, journeys map[string]journeyFunc) {
	t.Helper()
	requireChromium(t)
	axeSource(t) // fail early, before starting anything, when axe-core is missing
	root := startBrowser(t)
	modes := []string{modeMonolith, modeSplit}
	// Both shops boot at once; then each is waited for.
	waits := map[string]func() *Shop{}
	for _, mode := range modes {
		waits[mode] = launchShop(t, mode)
	}
	shops := map[string]*Shop{}
	for _, mode := range modes {
		shops[mode] = waits[mode]()
	}
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			for name, run := range journeys {
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					run(t, newJourney(t, root, shops[mode], filepath.Join(mode, name)))
				})
			}
		})
	}
}

// Journey is one end-to-end story: a shop, the people in it, and the
// screenshots of every page they see, numbered in the order they were taken.
type Journey struct {
	t       *testing.T
	Shop    *Shop
	root    context.Context // the shared browser
	name    string
	shotDir string
	shots   atomic.Int32
}

// newJourney is a journey in shop, with people in the browser root, and
// its emptied screenshot folder screenshots/<name>/ at the repository root.
func newJourney(t *testing.T, root context.Context, shop *Shop, name string) *Journey {
	t.Helper()
	dir := filepath.Join(repoRoot(t), "screenshots", name)
	require.NoError(t, os.RemoveAll(dir))
	return &Journey{t: t, Shop: shop, root: root, name: name, shotDir: dir}
}

// startBrowser starts the chromium that the test's people share, each in a
// browser context of their own; it ends with the test.
func startBrowser(t *testing.T) context.Context {
	t.Helper()
	profile, err := os.MkdirTemp("", "bookstore-e2e-profile-")
	require.NoError(t, err)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		// Every person's page is a background page to chromium; none may
		// be slowed down for it (the order page polls on a timer).
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.UserDataDir(profile),
	)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc() // waits for chromium to exit
		_ = os.RemoveAll(profile)
	})
	// The first action starts chromium; it runs on the browser's own
	// context, as a deadline on it would end the browser with the action.
	require.NoError(t, chromedp.Do(ctx), "start chromium")
	return ctx
}

// addresses numbers the people of every journey: the journeys share a
// shop, which believes X-Forwarded-For, and each person comes from an
// address of their own, as people do, so that the shop's per-address
// limits (ten sign-ups in 15 minutes) count each person apart.
var addresses atomic.Int32

func nextAddress() string {
	n := addresses.Add(1)
	return fmt.Sprintf("10.%d.%d.%d", n>>16&0xff, n>>8&0xff, n&0xff)
}

// Browser is one person's browser: a browser context of its own (as a
// private window is), so cookies and carts never leak between people.
type Browser struct {
	t      *testing.T
	j      *Journey
	who    string
	ctx    context.Context
	mu     sync.Mutex
	thrown []string
	broken []string
	// width and height are the viewport's, in CSS pixels.
	width, height int64
}

// Person opens a fresh browser for who, with a desktop-sized viewport.
func (j *Journey) Person(who string) *Browser {
	return j.PersonSized(who, 1280, 900)
}

// PersonSized opens a fresh browser for who with a viewport of width×height
// CSS pixels.
func (j *Journey) PersonSized(who string, width, height int64) *Browser {
	t := j.t
	t.Helper()
	ctx, cancel := chromedp.NewContext(j.root, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	b := &Browser{t: t, j: j, who: who, ctx: ctx, width: width, height: height}
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(width, height)), "open a browser for %s", who)
	_, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"X-Forwarded-For": nextAddress()}})
	require.NoError(t, err, "give %s an address", who)
	require.NoError(t, chromedp.Listen(ctx, func(ev any) {
		// A page answering 5xx is a bug; so is a broken stylesheet, script
		// or image (4xx or 5xx) on any page.
		if e, ok := ev.(*network.EventResponseReceived); ok && e.Response != nil {
			st := e.Response.Status
			if (e.Type == network.ResourceTypeDocument && st >= 500) || (e.Type != network.ResourceTypeDocument && st >= 400) {
				b.mu.Lock()
				b.broken = append(b.broken, fmt.Sprintf("%d %s (%s)", st, e.Response.URL, e.Type))
				b.mu.Unlock()
			}
		}
		if e, ok := ev.(*runtime.EventExceptionThrown); ok {
			b.mu.Lock()
			d := e.ExceptionDetails
			msg := d.Text
			if d.Exception != nil && d.Exception.Description != "" {
				msg += " " + d.Exception.Description
			}
			b.thrown = append(b.thrown, fmt.Sprintf("%s (%s:%d)", msg, d.URL, d.LineNumber+1))
			b.mu.Unlock()
		}
	}))
	t.Cleanup(func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, e := range b.thrown {
			t.Errorf("%s's browser: uncaught script error: %s", who, e)
		}
		for _, e := range b.broken {
			t.Errorf("%s's browser: the shop answered %s", who, e)
		}
	})
	return b
}

// run runs browser actions with the action deadline.
func (b *Browser) run(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := b.runErr(actionTimeout, actions...); err != nil {
		b.fail("%s: %v", what, err)
	}
}

func (b *Browser) runErr(timeout time.Duration, actions ...chromedp.Action[chromedp.Void]) error {
	ctx, cancel := context.WithTimeout(b.ctx, timeout)
	defer cancel()
	return chromedp.Do(ctx, actions...)
}

// eval evaluates a script in the page with the action deadline.
func eval[T any](b *Browser, timeout time.Duration, script string, opts ...chromedp.EvaluateOption) (T, error) {
	ctx, cancel := context.WithTimeout(b.ctx, timeout)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Evaluate[T](script, opts...))
}

// mustEval is eval that fails the test on an error.
func mustEval[T any](b *Browser, what, script string) T {
	b.t.Helper()
	v, err := eval[T](b, actionTimeout, script)
	if err != nil {
		b.fail("%s: %v", what, err)
	}
	return v
}

// fail stops the test with a screenshot and the text of the page, so the
// failure can be understood without running it again.
func (b *Browser) fail(format string, args ...any) {
	b.t.Helper()
	msg := fmt.Sprintf(format, args...)
	loc, _ := eval[string](b, 5*time.Second, `location.href`)
	text, _ := eval[string](b, 5*time.Second, `document.body ? document.body.innerText : ""`)
	shot := b.screenshot("FAILED")
	b.t.Fatalf("%s's browser at %s: %s\nscreenshot: %s\npage text:\n%s", b.who, loc, msg, shot, tail(text, 40))
}

// Visit opens path (relative to the shop), waits for the page, saves a
// screenshot named shot and checks it with axe.
func (b *Browser) Visit(path, shot string) {
	b.t.Helper()
	b.run("visit "+path, chromedp.Navigate(b.j.Shop.URL+path))
	b.waitLoaded()
	b.Page(shot)
}

// Page records the page the browser shows now: the axe check, and with
// -screenshots a screenshot.
func (b *Browser) Page(shot string) {
	b.t.Helper()
	if *screenshots {
		b.screenshot(shot)
	}
	b.checkAccessibility(shot)
}

// Path is the path and query of the page the browser shows.
func (b *Browser) Path() string {
	b.t.Helper()
	return strings.TrimPrefix(mustEval[string](b, "location", `location.href`), b.j.Shop.URL)
}

// Text is the visible text of the page.
func (b *Browser) Text() string {
	b.t.Helper()
	return mustEval[string](b, "read the page", `document.body.innerText`)
}

// Fill types value into the field that sel selects, replacing what it held,
// in one insertion as a keyboard's input method does (the field's limits
// apply; no page listens for single keys, and three browser calls a key
// made a sign-up form take seconds). Long values are set directly: typing
// 10 KB proves nothing more.
func (b *Browser) Fill(sel, value string) {
	b.t.Helper()
	b.run("wait for "+sel, chromedp.WaitVisible(chromedp.CSS(sel)))
	if mustEval[bool](b, "read "+sel, fmt.Sprintf(`document.querySelector(%q).tagName === "SELECT"`, sel)) {
		b.Select(sel, value)
		return
	}
	if len(value) > 200 {
		b.run("fill "+sel, chromedp.SetValue(chromedp.CSS(sel), value))
		return
	}
	mustEval[bool](b, "clear "+sel, fmt.Sprintf(`(e => { e.value = ""; return true; })(document.querySelector(%q))`, sel))
	b.run("fill "+sel, chromedp.Focus(chromedp.CSS(sel)), chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, input.InsertText, input.InsertTextParams{Text: value})
		return err
	}))
}

// Select picks the option with value in the select that sel selects.
func (b *Browser) Select(sel, value string) {
	b.t.Helper()
	b.run("select "+value+" in "+sel, chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.SetValue(chromedp.CSS(sel), value))
	if got := b.Value(sel); got != value {
		b.fail("%s has no option %q", sel, value)
	}
}

// ChooseOther picks a radio button of the field called name other than
// the one checked when the page opened, and returns its data-name (or its
// value), so a journey goes through what choosing does on the page.
func (b *Browser) ChooseOther(name string) string {
	b.t.Helper()
	got := mustEval[string](b, "choose another "+name, fmt.Sprintf(`(() => {
		const e = [...document.querySelectorAll('main [name="' + %q + '"]')].find(e => !e.checked);
		if (!e) return "";
		e.click();
		return e.dataset.name || e.value;
	})()`, name))
	if got == "" {
		b.fail("no other choice for the field %s", name)
	}
	return got
}

// Check ticks the checkbox or radio button that sel selects.
func (b *Browser) Check(sel string) {
	b.t.Helper()
	b.run("wait for "+sel, chromedp.WaitVisible(chromedp.CSS(sel)))
	if !mustEval[bool](b, "read "+sel, fmt.Sprintf(`document.querySelector(%q).checked`, sel)) {
		b.Click(sel)
	}
}

// Upload attaches files to the file input that sel selects.
func (b *Browser) Upload(sel string, files ...string) {
	b.t.Helper()
	b.run("upload to "+sel, chromedp.WaitReady(chromedp.CSS(sel)), chromedp.SetUploadFiles(chromedp.CSS(sel), files))
}

// Click clicks what sel selects, without waiting for a new page.
func (b *Browser) Click(sel string) {
	b.t.Helper()
	b.run("click "+sel, chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.Click(chromedp.CSS(sel)))
}

// Press sends keys (e.g. kb.Tab) to the focused element.
func (b *Browser) Press(keys string) {
	b.t.Helper()
	b.run("press "+keys, chromedp.KeyEvent(keys))
}

// ClickAndLoad clicks what sel selects, waits until the browser shows the
// next page, and records it under shot.
func (b *Browser) ClickAndLoad(sel, shot string) {
	b.t.Helper()
	b.markPage()
	b.Click(sel)
	b.waitNewPage()
	b.Page(shot)
}

// Submit submits the form that holds the field sel selects by clicking its
// submit button, and records the page that answers.
func (b *Browser) Submit(sel, shot string) {
	b.t.Helper()
	b.run("wait for "+sel, chromedp.WaitVisible(chromedp.CSS(sel)))
	ok := mustEval[bool](b, "find the submit button of "+sel, fmt.Sprintf(`(() => {
		document.querySelectorAll('[data-e2e-submit]').forEach(e => e.removeAttribute('data-e2e-submit'));
		const f = document.querySelector(%q).closest('form');
		// The form's own submit button, not one that sends it elsewhere
		// (formaction, formmethod), nor a hidden one that only makes Enter
		// submit (aria-hidden).
		const btn = f && [...f.querySelectorAll('button[type=submit], button:not([type]), input[type=submit]')]
			.find(b => !b.hasAttribute('formaction') && !b.hasAttribute('formmethod') && b.getAttribute('aria-hidden') !== 'true');
		if (!btn) return false;
		btn.setAttribute('data-e2e-submit', '');
		return true;
	})()`, sel))
	if !ok {
		b.fail("no form with a submit button holds %s", sel)
	}
	b.ClickAndLoad("[data-e2e-submit]", shot)
}

// RequireFits fails when the page is wider than the window, so that the
// reader would have to scroll sideways.
func (b *Browser) RequireFits() {
	b.t.Helper()
	if mustEval[bool](b, "measure the page", `document.documentElement.scrollWidth > window.innerWidth`) {
		b.fail("the page is wider than the window and scrolls sideways")
	}
}

// Exists reports whether the page has an element that sel selects.
func (b *Browser) Exists(sel string) bool {
	b.t.Helper()
	return mustEval[bool](b, "look for "+sel, fmt.Sprintf(`document.querySelector(%q) !== null`, sel))
}

// Value is the current value of the field that sel selects.
func (b *Browser) Value(sel string) string {
	b.t.Helper()
	if !b.Exists(sel) {
		b.fail("no field %s", sel)
	}
	return mustEval[string](b, "read "+sel, fmt.Sprintf(`document.querySelector(%q).value`, sel))
}

// tag marks the first element matching sel whose text contains text, in
// any case (any element when text is empty), with data-e2e-target, and returns its
// selector; it fails when there is none.
func (b *Browser) tag(sel, text string) string {
	b.t.Helper()
	ok := mustEval[bool](b, "find "+sel, fmt.Sprintf(`(() => {
		document.querySelectorAll('[data-e2e-target]').forEach(e => e.removeAttribute('data-e2e-target'));
		const want = %q.toLowerCase();
		for (const e of document.querySelectorAll(%q)) {
			const label = (e.innerText || e.value || e.getAttribute("aria-label") || "").toLowerCase();
			if (want === "" || label.includes(want)) { e.setAttribute('data-e2e-target', ''); return true; }
		}
		return false;
	})()`, text, sel))
	if !ok {
		b.fail("no %s showing %q", sel, text)
	}
	return "[data-e2e-target]"
}

// ClickText clicks the first element matching sel that shows text, waits
// for the next page and records it.
func (b *Browser) ClickText(sel, text, shot string) {
	b.t.Helper()
	b.ClickAndLoad(b.tag(sel, text), shot)
}

// Within is the visible text of the first element matching sel that holds
// text: a table row or a card, to read one listing or order among many.
func (b *Browser) Within(sel, text string) string {
	b.t.Helper()
	b.tag(sel, text)
	return mustEval[string](b, "read "+sel, `document.querySelector('[data-e2e-target]').innerText`)
}

// Cell is the text of the table cell in column (a header's text, in any
// case) of the first row that shows rowText.
func (b *Browser) Cell(rowText, column string) string {
	b.t.Helper()
	v, err := eval[string](b, actionTimeout, fmt.Sprintf(`(() => {
		const want = %q, col = %q.toLowerCase();
		for (const tr of document.querySelectorAll("main tbody tr")) {
			if (!tr.innerText.includes(want)) continue;
			const heads = [...tr.closest("table").querySelectorAll("thead th")].map(th => th.innerText.trim().toLowerCase());
			const i = heads.findIndex(h => h === col);
			if (i < 0) throw new Error("no column " + col + " in " + heads.join(", "));
			return tr.children[i].innerText.trim();
		}
		throw new Error("no row shows " + want);
	})()`, rowText, column))
	if err != nil {
		b.fail("read the %s of %q: %v", column, rowText, err)
	}
	return v
}

// WaitText waits until the page shows text.
func (b *Browser) WaitText(text string) {
	b.t.Helper()
	b.WaitTextFor(text, actionTimeout)
}

// WaitTextFor waits up to timeout until the page shows text.
func (b *Browser) WaitTextFor(text string, timeout time.Duration) {
	b.t.Helper()
	b.waitJS(fmt.Sprintf(`document.body !== null && document.body.innerText.includes(%q)`, text), timeout, "the text "+fmt.Sprintf("%q", text))
}

// ReloadUntilText reloads the page until it shows text, in any case: for
// states that background jobs reach (order delivered).
func (b *Browser) ReloadUntilText(text string, timeout time.Duration, shot string) {
	b.t.Helper()
	b.reloadUntil(func(body string) bool { return strings.Contains(body, strings.ToLower(text)) }, timeout, fmt.Sprintf("the text %q to appear", text), shot)
}

// ReloadUntilGone reloads the page until it no longer shows text, in any
// case: for what background jobs remove (a disabled seller's listings).
func (b *Browser) ReloadUntilGone(text string, timeout time.Duration, shot string) {
	b.t.Helper()
	b.reloadUntil(func(body string) bool { return !strings.Contains(body, strings.ToLower(text)) }, timeout, fmt.Sprintf("the text %q to go", text), shot)
}

func (b *Browser) reloadUntil(ok func(lowerBody string) bool, timeout time.Duration, what, shot string) {
	b.t.Helper()
	deadline := time.After(timeout)
	for {
		if err := b.runErr(actionTimeout, chromedp.Reload()); err == nil {
			b.waitLoaded()
			if body, err := eval[string](b, actionTimeout, `document.body.innerText`); err == nil && ok(strings.ToLower(body)) {
				b.Page(shot)
				return
			}
		}
		select {
		case <-deadline:
			b.fail("waited %s for %s", timeout, what)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// markPage tags the current document so waitNewPage can tell when another
// replaced it.
func (b *Browser) markPage() {
	b.t.Helper()
	mustEval[bool](b, "mark the page", `window.__e2eOldPage = true`)
}

func (b *Browser) waitNewPage() {
	b.t.Helper()
	b.waitJS(`window.__e2eOldPage === undefined && document.readyState === "complete"`, actionTimeout, "the next page")
}

func (b *Browser) waitLoaded() {
	b.t.Helper()
	b.waitJS(`document.readyState === "complete"`, actionTimeout, "the page to load")
}

// waitJS polls expr until it is true or timeout passes. Errors while a new
// document replaces the old one are expected and polled through.
func (b *Browser) waitJS(expr string, timeout time.Duration, what string) {
	b.t.Helper()
	deadline := time.After(timeout)
	for {
		if ok, err := eval[bool](b, actionTimeout, expr); err == nil && ok {
			return
		}
		select {
		case <-deadline:
			b.fail("waited %s for %s", timeout, what)
		case <-time.After(pollEvery):
		}
	}
}

var unsafeName = regexp.MustCompile(`[^a-z0-9-]+`)

// screenshot saves the whole page as screenshots/<journey>/NN-who-name.png
// and returns the file's path.
func (b *Browser) screenshot(name string) string {
	b.t.Helper()
	if err := os.MkdirAll(b.j.shotDir, 0o755); err != nil {
		b.t.Errorf("screenshot folder: %v", err)
	}
	n := b.j.shots.Add(1)
	file := filepath.Join(b.j.shotDir, fmt.Sprintf("%02d-%s-%s.png", n, b.who, unsafeName.ReplaceAllString(strings.ToLower(name), "-")))
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Errorf("screenshot %s: %v", file, err)
		return file
	}
	if err := os.WriteFile(file, png, 0o644); err != nil {
		b.t.Errorf("save screenshot: %v", err)
	}
	// Every page is seen on a phone too: the same page at 390 px, saved
	// beside the wide one, then the browser's own size again.
	if b.width != phoneWidth {
		phone := strings.TrimSuffix(file, ".png") + "-390.png"
		err = chromedp.Do(ctx, chromedp.EmulateViewport(phoneWidth, 844))
		if err == nil {
			png, err = chromedp.Run(ctx, chromedp.FullScreenshot(100))
		}
		if err == nil {
			err = os.WriteFile(phone, png, 0o644)
		}
		if err == nil {
			err = chromedp.Do(ctx, chromedp.EmulateViewport(b.width, b.height))
		}
		if err != nil {
			b.t.Errorf("phone screenshot %s: %v", phone, err)
		}
	}
	return file
}

// phoneWidth is the width of the phone every page is also shot at.
const phoneWidth = 390

var (
	axeOnce sync.Once
	axeJS   string
	axeErr  error
)

// axeSource is axe-core's browser bundle, read from node_modules (npm ci in
// e2e/).
func axeSource(t *testing.T) string {
	t.Helper()
	axeOnce.Do(func() {
		b, err := os.ReadFile(filepath.Join(repoRoot(t), "e2e", "node_modules", "axe-core", "axe.min.js"))
		if errors.Is(err, os.ErrNotExist) {
			axeErr = errors.New("axe-core is not installed: run `npm ci` in e2e/ (.ci/run does)")
			return
		}
		axeJS, axeErr = string(b), err
	})
	require.NoError(t, axeErr)
	return axeJS
}

type axeResults struct {
	Violations []struct {
		ID     string `json:"id"`
		Impact string `json:"impact"`
		Help   string `json:"help"`
		Nodes  []struct {
			Target         []any  `json:"target"`
			HTML           string `json:"html"`
			FailureSummary string `json:"failureSummary"`
		} `json:"nodes"`
	} `json:"violations"`
}

// checked holds the markup (structure, at a viewport width) that axe has
// checked, in any journey and either mode.
var checked sync.Map

// markupJS describes the page's markup without its data: each element's
// tag and attributes, with the values of those that carry data (links,
// titles, field values) reduced to whether they are empty, whether it holds
// text of its own, and its children, a run of alike siblings (the rows of a
// table, the cards of a search) counted once. Two pages alike in it are the
// same to axe: its rules read the markup, the styles and whether names are
// empty, not what the words say.
const markupJS = `(() => {
	const data = /^(href|src|srcset|action|value|content|alt|title|datetime|placeholder|aria-label|data-.*)$/;
	const describe = e => {
		let s = e.tagName;
		for (const a of [...e.attributes].sort((x, y) => x.name < y.name ? -1 : 1)) {
			s += " " + a.name + "=" + (data.test(a.name) ? (a.value.trim() === "" ? "" : "*") : JSON.stringify(a.value));
		}
		if ([...e.childNodes].some(n => n.nodeType === Node.TEXT_NODE && n.textContent.trim() !== "")) s += " #text";
		const kids = [];
		for (const c of e.children) {
			const k = describe(c);
			if (kids[kids.length - 1] !== k) kids.push(k);
		}
		return s + "(" + kids.join(",") + ")";
	};
	return describe(document.documentElement);
})()`

// checkAccessibility runs axe-core inside the page and fails the test, with
// a readable report, on any serious or critical violation of WCAG 2.1 A/AA
// and axe's best practices. Markup that axe checked already, on another
// visit or in the other mode, is not checked again.
func (b *Browser) checkAccessibility(page string) {
	b.t.Helper()
	markup, err := eval[string](b, actionTimeout, markupJS)
	if err != nil {
		b.t.Errorf("describe the markup of %s (%s): %v", page, b.who, err)
		return
	}
	if _, seen := checked.LoadOrStore(fmt.Sprintf("%d %x", b.width, sha256.Sum256([]byte(markup))), true); seen {
		return
	}
	_, err = eval[*runtime.RemoteObject](b, actionTimeout, axeSource(b.t))
	if err != nil {
		b.t.Errorf("inject axe on %s (%s): %v", page, b.who, err)
		return
	}
	raw, err := eval[string](b, actionTimeout, `axe.run(document, {
			runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]},
			resultTypes: ["violations"]
		}).then(r => JSON.stringify({violations: r.violations}))`, chromedp.EvalAwaitPromise)
	if err != nil {
		b.t.Errorf("axe on %s (%s): %v", page, b.who, err)
		return
	}
	var res axeResults
	require.NoError(b.t, json.Unmarshal([]byte(raw), &res))
	var report strings.Builder
	count := 0
	for _, v := range res.Violations {
		if v.Impact != "serious" && v.Impact != "critical" {
			continue
		}
		count++
		fmt.Fprintf(&report, "\n  %s (%s): %s", v.ID, v.Impact, v.Help)
		for i, n := range v.Nodes {
			if i == 5 {
				fmt.Fprintf(&report, "\n    … and %d more elements", len(v.Nodes)-5)
				break
			}
			fmt.Fprintf(&report, "\n    at %v: %s\n      %s", n.Target, tail(n.HTML, 3), strings.ReplaceAll(n.FailureSummary, "\n", "\n      "))
		}
	}
	if count > 0 {
		b.t.Errorf("axe found %d serious or critical violations on %q (%s's browser, %s):%s", count, page, b.who, b.Path(), report.String())
	}
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
