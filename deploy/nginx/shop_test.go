package nginx_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/bookstore/bookstore/deploy/nginx"
	"github.com/bookstore/bookstore/deploy/nginx/readiness"
	"github.com/bookstore/bookstore/modules/auth/authtest"
	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
	"github.com/bookstore/bookstore/platform/pgembed"
	"github.com/bookstore/bookstore/platform/proctest"
	"github.com/bookstore/bookstore/platform/web"
)

// shop is Postgres, n replicas of the real binary and, when asked, nginx
// running deploy/nginx/bookstore.conf in front of them, all on loopback.
type shop struct {
	pg       *pgembed.Cluster
	pool     *pgxpool.Pool
	env      []string
	addrs    []string
	replicas []*proctest.Process
	nginx    *nginx.Process
	// upstream is the site file that the readiness checker rewrites.
	upstream string
	// base is where clients go: nginx's HTTP address, or the only
	// replica's without nginx.
	base    string
	tlsBase string
	tls     *http.Client
	// buyers are bearer tokens; books have stock for every order a test
	// places, spread over many listings as a shop's orders are (one
	// listing bought by everyone at once is a lock convoy on its row).
	buyers []string
	books  []int64
}

// newShop starts the shop. It needs nginx when withNginx is set (installed
// by .ci/run); without it the test fails under CI and skips elsewhere.
func newShop(t testing.TB, n int, withNginx bool) *shop {
	t.Helper()
	if withNginx {
		if _, err := nginx.Binary(); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatal(err)
			}
			t.Skip(err)
		}
	}
	ctx := context.Background()
	s := &shop{}
	dir := proctest.ReachableDir(t)
	var err error
	s.pg, err = pgembed.Start(ctx, filepath.Join(dir, "pg"), &pgembed.Options{Ephemeral: true, CrashSafe: true})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.pg.Stop(context.Background()) })
	uploads := proctest.ReachableDir(t)
	s.env = []string{"DATABASE_URL=" + s.pg.URL(), "BOOKSTORE_DATA_DIR=" + uploads, "BOOKSTORE_TRUST_PROXY=true",
		"BOOKSTORE_PUBLIC_URL=https://shop.example.com", "BOOKSTORE_LOG_LEVEL=error", "BOOKSTORE_DRAIN_TIMEOUT=3s", "BOOKSTORE_SHUTDOWN_TIMEOUT=10s",
		"BOOKSTORE_SHIPPING_STEP=200ms", "BOOKSTORE_BANK_TRANSFER_DELAY=500ms", "BOOKSTORE_ORDER_TIMEOUT=10m",
		"BOOKSTORE_PAYMENT_RETRY_WINDOW=1s"}
	for range n {
		s.addrs = append(s.addrs, proctest.FreeAddr(t))
	}
	// The first replica migrates; the others then start side by side.
	s.replicas = make([]*proctest.Process, n)
	s.replicas[0] = proctest.ServeAt(t, s.addrs[0], s.env)
	done := make(chan int, n)
	for i := 1; i < n; i++ {
		go func() {
			p := proctest.Start(t, s.env, "serve", "--addr", s.addrs[i])
			p.Addr = s.addrs[i]
			s.replicas[i] = p
			done <- i
		}()
	}
	for i := 1; i < n; i++ {
		s.replicas[<-done].WaitReady(t)
	}

	s.pool, err = pgxpool.New(ctx, s.pg.URL())
	require.NoError(t, err)
	t.Cleanup(s.pool.Close)
	seller := authtest.CreateUser(ctx, t, s.pool, nil)
	for range 50 {
		s.books = append(s.books, int64(catalogtest.CreateBook(ctx, t, s.pool, &catalogtest.BookOpts{SellerID: seller.ID, Copies: 10000, PriceCents: 1250}).ID))
	}
	for range 8 {
		u := authtest.CreateUser(ctx, t, s.pool, nil)
		s.buyers = append(s.buyers, authtest.SignIn(ctx, t, s.pool, u.Email, authtest.DefaultPassword).ID)
	}

	s.base = "http://" + s.addrs[0]
	if !withNginx {
		return s
	}
	cert, err := web.WriteSelfSigned(proctest.ReachableDir(t), time.Hour)
	require.NoError(t, err)
	o := nginx.Options{Dir: proctest.ReachableDir(t), HTTPAddr: proctest.FreeAddr(t), HTTPSAddr: proctest.FreeAddr(t),
		CertFile: cert.CertFile, KeyFile: cert.KeyFile, Replicas: s.addrs}
	s.nginx, err = nginx.Start(o)
	require.NoError(t, err)
	t.Cleanup(s.nginx.Stop)
	s.upstream = filepath.Join(o.Dir, "bookstore.conf")
	// A shorter interval than run-cluster's second, so that a draining
	// replica (3 s here) is out of nginx long before it closes, even on
	// a busy machine.
	checker := &readiness.Checker{Replicas: s.addrs, Interval: 250 * time.Millisecond, Apply: s.nginx.SetDown}
	ctx, stop := context.WithCancel(ctx)
	checked := make(chan error, 1)
	go func() { checked <- checker.Run(ctx) }()
	t.Cleanup(func() {
		stop()
		require.ErrorIs(t, <-checked, context.Canceled, "the readiness checker stopped early")
	})
	s.base, s.tlsBase = "http://"+o.HTTPAddr, "https://"+o.HTTPSAddr
	roots := x509.NewCertPool()
	roots.AddCert(cert.Cert)
	s.tls = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}}}
	return s
}

// restart stops replica i (SIGTERM: /readyz answers 503 at once, it
// drains, then finishes its work), checks that the readiness checker took
// it out of nginx before it exited, starts it again at its address, and
// checks that the checker gives it back: one step of a rolling restart.
func (s *shop) restart(t testing.TB, i int) {
	t.Helper()
	s.replicas[i].Signal(t, syscall.SIGTERM)
	s.waitMarked(t, i, true)
	require.Zero(t, s.replicas[i].WaitExit(t), s.replicas[i].Stderr())
	s.replicas[i] = proctest.ServeAt(t, s.addrs[i], s.env)
	s.waitMarked(t, i, false)
}

// waitMarked polls the upstream file until replica i's server line is
// marked down (or not). A replica taken out must still be running then:
// it drains for 3 s, and requests nginx sends it after it exits would fail.
func (s *shop) waitMarked(t testing.TB, i int, down bool) {
	t.Helper()
	line := regexp.MustCompile(`(?m)^\s*server ` + regexp.QuoteMeta(s.addrs[i]) + ` [^;]*? down;`)
	for deadline := time.Now().Add(10 * time.Second); ; {
		site, err := os.ReadFile(s.upstream)
		require.NoError(t, err)
		if line.Match(site) == down {
			return
		}
		if down {
			select {
			case <-s.replicas[i].Done():
				t.Fatalf("replica %d exited before nginx's upstream marked it down", i)
			default:
			}
		}
		require.True(t, time.Now().Before(deadline), "replica %d not marked down=%v within 10 s:\n%s", i, down, site)
		<-time.After(20 * time.Millisecond)
	}
}

// waitReady polls every replica's /readyz, directly, until all answer
// 200, and says how long that took.
func (s *shop) waitReady(t testing.TB) time.Duration {
	t.Helper()
	start := time.Now()
	for _, p := range s.replicas {
		p.WaitReady(t)
	}
	return time.Since(start)
}

// TestNginx_HostKeepsItsPort: nginx passes the Host a browser sent, port
// included, so a form POST whose only sign of its origin is an Origin
// header (a browser without Fetch Metadata, a cookie API client) passes the
// shop's cross-origin check on a port other than 80 or 443, over HTTP and
// HTTPS alike. A Host without its port made every such POST a 403.
func TestNginx_HostKeepsItsPort(t *testing.T) {
	t.Parallel()
	s := newShop(t, 1, true)
	for base, client := range map[string]*http.Client{s.base: http.DefaultClient, s.tlsBase: s.tls} {
		form := url.Values{"email": {"nobody@example.com"}, "password": {"not the password"}}
		req, err := http.NewRequest(http.MethodPost, base+"/signin", strings.NewReader(form.Encode()))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", base)
		resp, err := client.Do(req)
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		require.NotEqual(t, http.StatusForbidden, resp.StatusCode, "%s: %s", base, body)
		require.Contains(t, string(body), "nobody@example.com", "%s: the sign-in form came back with its values", base)
	}
}
