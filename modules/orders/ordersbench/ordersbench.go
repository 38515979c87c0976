// Package ordersbench holds the orders module's sections of `make bench`:
// checkout through the service layer (many listings, and one hot listing)
// with the payment and shipping jobs running, and checkout through the JSON
// API of the real binary, with its memory.
package ordersbench

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.uber.org/fx"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/auth/authfx"
	"github.com/bookstore/bookstore/modules/catalog/catalogbench"
	"github.com/bookstore/bookstore/modules/catalog/catalogfx"
	"github.com/bookstore/bookstore/modules/orders"
	"github.com/bookstore/bookstore/modules/orders/internal/service"
	"github.com/bookstore/bookstore/modules/orders/ordersfx"
	"github.com/bookstore/bookstore/platform/bench"
	"github.com/bookstore/bookstore/platform/config"
	"github.com/bookstore/bookstore/platform/loadgen"
	"github.com/bookstore/bookstore/platform/metrics"
	"github.com/bookstore/bookstore/platform/pg"
	"github.com/bookstore/bookstore/platform/riverfx"
)

// Buyers is the concurrency of every checkout section.
const Buyers = 8

// Sections are the orders module's parts of the report.
func Sections() []bench.Section {
	return []bench.Section{
		{Name: "Checkout, service layer (8 buyers, jobs running)", Run: serviceCheckout},
		{Name: "Checkout, JSON API of the real binary (8 buyers, card payments)", Run: httpCheckout},
		{Name: "Checkout, JSON API, split shop beside the monolith (8 buyers, card payments)", Run: splitCheckout},
	}
}

// Seller owns every listing of the data sets.
const sellerID = 9_000_000

// dataSet is a checkout section's shop: n listings of the seller with
// copies each, whose ids and prices it returns, and an order history
// (history), analyzed.
func dataSet(ctx context.Context, pool *pgxpool.Pool, n, copies int) ([]service.SeenLine, error) {
	listings, err := catalogbench.Listings(ctx, pool, sellerID, n, copies)
	if err != nil {
		return nil, err
	}
	out := make([]service.SeenLine, len(listings))
	ids := make([]int64, len(listings))
	for i, l := range listings {
		out[i] = service.SeenLine{BookID: l.ID, Quantity: 1, PriceCents: l.PriceCents}
		ids[i] = int64(l.ID)
	}
	if err := history(ctx, pool, ids); err != nil {
		return nil, fmt.Errorf("order history: %w", err)
	}
	_, err = pool.Exec(ctx, "ANALYZE")
	return out, err
}

// pastOrders is the size of the order history a data set starts with.
const pastOrders = 50_000

// history writes pastOrders delivered orders of the seller's listings,
// each with its line, payment and shipment, from buyers the runs do not
// use, and counts them into the seller's sales as delivering them would.
// A shop in service has a history, and its size is what the planner
// weighs: with the orders tables nearly empty when the warm-up's plans were
// cached, the statements that join an order to its lines kept sequential
// scans of tables that grew through the run (pg_stat_user_tables: one scan
// of every order and every line per order placed), which no shop with a
// history would choose.
func history(ctx context.Context, pool *pgxpool.Pool, books []int64) error {
	_, err := pool.Exec(ctx, `
		WITH b AS (SELECT $3::bigint[] AS ids),
		p AS (SELECT id, name FROM orders.delivery_providers ORDER BY id LIMIT 1),
		o AS (
			INSERT INTO orders.orders (buyer_id, buyer_name, status, idempotency_key, request_hash, ship_name, ship_street,
				ship_city, ship_region, ship_postal, ship_country, provider_id, provider_name, subtotal_cents, delivery_cents, total_cents)
			SELECT 1000 + g % 5000, 'Past buyer', 'delivered', 'past-' || g, 'past', 'Ana', 'Calle 1', 'Bogotá', 'DC', '110111', 'CO',
				p.id, p.name, 1000, 0, 1000
			FROM generate_series(1, $2::int) g, p
			RETURNING id, provider_name
		), l AS (
			INSERT INTO orders.order_lines (order_id, book_id, seller_id, seller_name, title, price_cents, quantity)
			SELECT o.id, b.ids[1 + o.id % cardinality(b.ids)], $1, 'Bench seller', 'Past book', 1000, 1 FROM o, b
		), s AS (
			INSERT INTO orders.shipments (order_id, provider, tracking_number, step)
			SELECT id, provider_name, 'PAST' || id, 'delivered' FROM o
		), c AS (
			INSERT INTO orders.seller_sales (seller_id, sales) SELECT $1, count(*) FROM o
			ON CONFLICT (seller_id) DO UPDATE SET sales = seller_sales.sales + excluded.sales
		)
		INSERT INTO orders.payments (order_id, method, status, amount_cents) SELECT id, 'wallet', 'succeeded', 1000 FROM o`,
		sellerID, pastOrders, books)
	return err
}

// analyze gives the planner statistics of the tables the warm-up filled.
// A shop in service has them (autovacuum keeps them), but a data set made
// a minute ago has none: the orders tables were empty when the listings
// were analyzed, so every statement on them would keep the sequential
// scans planned for an empty table until autovacuum's first round, and
// the figures would measure that minute rather than the shop.
func analyze(ctx context.Context, pool *pgxpool.Pool) error {
	_, err := pool.Exec(ctx, "ANALYZE")
	return err
}

// backlog is the job queue at a moment of a run: the jobs due and not
// started, and how long the oldest of them has waited. Running jobs are
// left out: River records a job's end in batches, every 250 ms or once 100
// have ended, so the jobs shown running are mostly jobs already done, as
// many as a quarter of a second's worth (75 to 96 at about 320 orders/s,
// with 24 workers).
type backlog struct {
	at   time.Duration
	jobs float64
	// wait, unlike the depth (the jobs that arrive in that time), does not
	// grow with the run's speed, only when the workers fall behind.
	wait time.Duration
}

func queueBacklog(ctx context.Context, pool *pgxpool.Pool) (backlog, error) {
	var b backlog
	var wait float64
	err := pool.QueryRow(ctx, `SELECT count(*), coalesce(extract(epoch FROM now() - min(scheduled_at)), 0)::float8
		FROM river.river_job WHERE state IN ('available', 'retryable', 'scheduled') AND scheduled_at <= now()`).Scan(&b.jobs, &wait)
	b.wait = time.Duration(wait * float64(time.Second))
	return b, err
}

// noneWorked fails when some job was tried: a run meant to leave every job
// alone would then measure part of their work.
func noneWorked(ctx context.Context, pool *pgxpool.Pool) error {
	var tried int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM river.river_job WHERE attempt > 0`).Scan(&tried); err != nil {
		return err
	}
	if tried > 0 {
		return fmt.Errorf("%d jobs were worked in a run that works none", tried)
	}
	return nil
}

// sampleBacklog takes the queue's backlog every period until the returned
// function is called, which returns the samples. A backlog is judged on
// the means of windows taken under load at both ends of a run: one count
// swings with the jobs the buyers have just submitted, and a count taken
// before the load starts or after it stops sees the workers alone.
func sampleBacklog(ctx context.Context, pool *pgxpool.Pool, period time.Duration) func() ([]backlog, error) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	var samples []backlog
	var err error
	go func() {
		defer close(done)
		start := time.Now()
		tick := time.NewTicker(period)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			b, qerr := queueBacklog(ctx, pool)
			if qerr != nil {
				if ctx.Err() == nil {
					err = qerr
				}
				return
			}
			b.at = time.Since(start)
			samples = append(samples, b)
		}
	}()
	return func() ([]backlog, error) {
		cancel()
		<-done
		return samples, err
	}
}

// meanBacklog is the mean backlog of the samples taken from from to to.
func meanBacklog(samples []backlog, from, to time.Duration) backlog {
	var sum backlog
	n := 0
	for _, s := range samples {
		if s.at >= from && s.at < to {
			sum.jobs += s.jobs
			sum.wait += s.wait
			n++
		}
	}
	n = max(n, 1)
	return backlog{at: from, jobs: sum.jobs / float64(n), wait: sum.wait / time.Duration(n)}
}

// inProcess is the monolith's graph (auth, catalog, orders, River with its
// workers) on url, as `bookstore serve` builds it, without the HTTP server
// and with a pool (sized as pg sizes it) that counts statements. Without
// jobs no module's workers are registered, so River (the charges, the
// carrier's rounds, its own upkeep) never starts and the jobs the
// checkouts insert wait.
func inProcess(ctx context.Context, url string, jobs bool) (*service.Service, *pgxpool.Pool, *pg.Statements, func(), error) {
	cfg := config.Config{
		DatabaseURL: url, LogLevel: "error", LogFormat: "text",
		ShutdownTimeout: 10 * time.Second, Modules: config.AllModules, HomeCountry: "CO",
		ShippingStep: 3 * time.Second, BankTransferDelay: 10 * time.Second, OrderTimeout: 15 * time.Minute, JobTimeout: time.Minute,
	}
	pcfg, err := pg.PoolConfig(url)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	count := &pg.Statements{}
	pcfg.ConnConfig.Tracer = count
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	var svc *service.Service
	opts := []fx.Option{
		fx.Supply(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), pool),
		fx.NopLogger,
		metrics.Module, riverfx.Module,
		authfx.Module, catalogfx.Module, ordersfx.Module,
		fx.Populate(&svc),
	}
	if !jobs {
		opts = append(opts, fx.Decorate(fx.Annotate(func([]riverfx.Registrar) []riverfx.Registrar { return nil },
			fx.ParamTags(`group:"river_workers"`), fx.ResultTags(`group:"river_workers"`))))
	}
	app := fx.New(opts...)
	if err := app.Start(ctx); err != nil {
		pool.Close()
		return nil, nil, nil, nil, err
	}
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_ = app.Stop(ctx)
		pool.Close()
	}
	return svc, pool, count, stop, nil
}

// dbWork is what the cluster has done so far, read before and after a run.
type dbWork struct {
	// xacts are the transaction ids handed out: one per transaction that
	// wrote, each of which waits at commit for its WAL flush.
	xacts float64
	// flushes are the WAL flushes done; commits that wait together share one.
	flushes float64
	// walRecords count every change written to the WAL, each index entry
	// included: the writes' size, steadier from run to run than CPU time.
	walRecords float64
	// buffers are the shared buffers the database's statements touched.
	buffers float64
	// deadlocks are those Postgres broke, each after deadlock_timeout (a
	// second) of a checkout's time.
	deadlocks float64
}

func work(ctx context.Context, pool *pgxpool.Pool) (dbWork, error) {
	var x, f, r, b, d int64
	err := pool.QueryRow(ctx, `SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint, w.wal_sync, w.wal_records, d.blks_hit + d.blks_read, d.deadlocks
		FROM pg_stat_wal w, pg_stat_database d WHERE d.datname = current_database()`).Scan(&x, &f, &r, &b, &d)
	return dbWork{float64(x), float64(f), float64(r), float64(b), float64(d)}, err
}

var shipTo = service.Address{Name: "Ana", Street: "Calle 1", City: "Bogotá", Region: "DC", PostalCode: "110111", Country: "CO"}

// serviceCheckout: each buyer puts a listing in the cart and places the
// order (wallet payment), as fast as the service answers, while River works
// the charge, ship, shipment and stock jobs in the same process. A last,
// shorter run works no job: what the checkout alone costs and reaches, so
// that a reader sees how much of the target the jobs take.
func serviceCheckout(ctx context.Context, env *bench.Env) ([]bench.Figure, error) {
	figs, err := commitCost(ctx, env)
	if err != nil {
		return figs, fmt.Errorf("commit cost: %w", err)
	}
	for _, c := range []struct {
		name     string
		listings int
		dur      time.Duration
		jobs     bool
	}{
		{"1,000 listings", 1000, 60 * time.Second, true},
		{"one hot listing", 1, 30 * time.Second, true},
		{"1,000 listings, no job worked", 1000, 20 * time.Second, false},
	} {
		f, err := checkoutRun(ctx, env, c.name, c.listings, env.Dur(c.dur), c.jobs)
		if err != nil {
			return figs, fmt.Errorf("%s: %w", c.name, err)
		}
		figs = append(figs, f...)
	}
	return figs, nil
}

// commitCost times write transactions made one after another by one
// client, each waiting for its own WAL flush: the disk's price of a commit,
// which bounds what the checkout's commits per order can reach (commits
// waiting at once share a flush, so many clients do better than this). It
// then runs the essential checkout transaction alone, as Buyers clients
// send it with nothing else running: the ceiling the issue measures the
// shop against (a conditional stock decrement, the order, its line and a
// job row, one transaction sent in one round trip).
func commitCost(ctx context.Context, env *bench.Env) ([]bench.Figure, error) {
	db, err := env.NewDatabase(ctx)
	if err != nil {
		return nil, err
	}
	defer db.Drop()
	if _, err := db.Pool.Exec(ctx, `
		CREATE TABLE bench_commits (n int);
		CREATE TABLE bench_stock (id bigint PRIMARY KEY, n int NOT NULL CHECK (n >= 0));
		CREATE TABLE bench_orders (id bigserial PRIMARY KEY, buyer bigint NOT NULL, total bigint NOT NULL);
		CREATE TABLE bench_lines (order_id bigint NOT NULL REFERENCES bench_orders, book bigint NOT NULL, quantity int NOT NULL);
		CREATE TABLE bench_jobs (id bigserial PRIMARY KEY, args jsonb NOT NULL);
		INSERT INTO bench_stock SELECT g, 1000000 FROM generate_series(1, 1000) g;
		ANALYZE`); err != nil {
		return nil, err
	}
	res := loadgen.Run(ctx, loadgen.Options{Workers: 1, Duration: env.Dur(5 * time.Second)}, func(ctx context.Context, _, i int) error {
		_, err := db.Pool.Exec(ctx, `INSERT INTO bench_commits VALUES ($1)`, i)
		return err
	})
	if res.Errors > 0 {
		return nil, res.FirstErr
	}
	// One connection per client, as pgbench gives its clients: the pool's
	// default of four would make eight clients queue for connections.
	clients, err := bench.Pool(ctx, db.URL, Buyers)
	if err != nil {
		return nil, err
	}
	defer clients.Close()
	essential := func(ctx context.Context, worker, i int) error {
		book := 1 + (worker*7919+i*31)%1000
		_, err := clients.Exec(ctx, `
			WITH s AS (UPDATE bench_stock SET n = n - 1 WHERE id = $2 AND n >= 1 RETURNING id),
			o AS (INSERT INTO bench_orders (buyer, total) SELECT $1, 1500 FROM s RETURNING id),
			l AS (INSERT INTO bench_lines SELECT o.id, $2, 1 FROM o)
			INSERT INTO bench_jobs (args) SELECT jsonb_build_object('order_id', o.id) FROM o`, worker, book)
		return err
	}
	// Measured as the checkout is: warmed up, then analyzed. The plans
	// cached while the tables were empty (analyzed so) seq-scan the orders
	// for each line's foreign-key check, a cost that grows with every
	// order: 2,400, 1,700 and then 1,300 xacts/s in three 5-s rounds on
	// this machine, against 4,100-4,700 once analyzed (pgbench's custom
	// script of the same transaction: 4,500-6,000 once autovacuum had
	// analyzed its tables).
	if warm := loadgen.Run(ctx, loadgen.Options{Workers: Buyers, Duration: env.Dur(5 * time.Second)}, essential); warm.Errors > 0 {
		return nil, warm.FirstErr
	}
	if err := analyze(ctx, db.Pool); err != nil {
		return nil, err
	}
	cpu0, err := env.CPU()
	if err != nil {
		return nil, err
	}
	alone := loadgen.Run(ctx, loadgen.Options{Workers: Buyers, Duration: env.Dur(10 * time.Second)}, essential)
	if alone.Errors > 0 {
		return nil, alone.FirstErr
	}
	cpu1, err := env.CPU()
	if err != nil {
		return nil, err
	}
	cpu := cpu1.Sub(cpu0)
	return []bench.Figure{
		bench.Info("one write commit alone, p50", bench.Ms(res.Percentile(50)), "ms", "a one-row insert waiting for its WAL flush"),
		bench.Info("write commits one after another", res.PerSecond(), "commits/s", "one client: one WAL flush each"),
		bench.Info("essential checkout transaction alone", alone.PerSecond(), "xacts/s",
			fmt.Sprintf("p99 %.1f ms; %d clients: stock decrement + order + line + job row, one round trip, no shop", bench.Ms(alone.Percentile(99)), Buyers)),
		bench.Info("CPU per essential transaction", bench.Ms(cpu.Postgres+cpu.Self)/float64(max(alone.Ops, 1)), "ms",
			fmt.Sprintf("Postgres %.2f ms, the client %.2f ms", bench.Ms(cpu.Postgres)/float64(max(alone.Ops, 1)), bench.Ms(cpu.Self)/float64(max(alone.Ops, 1)))),
	}, nil
}

func checkoutRun(ctx context.Context, env *bench.Env, name string, n int, dur time.Duration, jobs bool) ([]bench.Figure, error) {
	db, err := env.NewDatabase(ctx)
	if err != nil {
		return nil, err
	}
	defer db.Drop()
	books, err := dataSet(ctx, db.Pool, n, 1_000_000)
	if err != nil {
		return nil, err
	}
	svc, pool, count, stop, err := inProcess(ctx, db.URL, jobs)
	if err != nil {
		return nil, err
	}
	defer stop()
	place := func(round string) loadgen.OpFunc {
		return func(ctx context.Context, worker, i int) error {
			buyer := auth.User{ID: auth.UserID(1 + worker)}
			line := books[(worker*7919+i*31)%len(books)]
			if err := svc.SetQuantity(ctx, service.Owner{UserID: buyer.ID}, line.BookID, 1); err != nil {
				return err
			}
			_, err := svc.Place(ctx, buyer, service.PlaceInput{
				Key: fmt.Sprintf("%s-%d-%d", round, worker, i), Lines: []service.SeenLine{line}, Address: shipTo, ProviderID: 3,
				DeliveryCents: new(int64(800)), Payment: service.PaymentInput{Method: orders.MethodWallet},
			})
			return err
		}
	}
	env.Logf("%s: warming up", name)
	loadgen.Run(ctx, loadgen.Options{Workers: Buyers, Duration: env.Dur(5 * time.Second)}, place("warm"))
	if err := analyze(ctx, pool); err != nil {
		return nil, err
	}
	work0, err := work(ctx, pool)
	if err != nil {
		return nil, err
	}
	queries0 := count.Count()
	env.Logf("%s: measuring for %s", name, dur)
	cpu0, err := env.CPU()
	if err != nil {
		return nil, err
	}
	stopSampling := func() ([]backlog, error) { return nil, nil }
	if jobs {
		// Without workers the queue only grows: counting it would charge
		// the run Postgres's work for figures it does not print.
		stopSampling = sampleBacklog(ctx, db.Pool, dur/120)
	}
	res := loadgen.Run(ctx, loadgen.Options{Workers: Buyers, Duration: dur}, place("run"))
	samples, err := stopSampling()
	if err != nil {
		return nil, fmt.Errorf("job backlog: %w", err)
	}
	cpu1, err := env.CPU()
	if err != nil {
		return nil, err
	}
	cpu := cpu1.Sub(cpu0)
	queries1 := count.Count()
	work1, err := work(ctx, pool)
	if err != nil {
		return nil, err
	}
	if !jobs {
		if err := noneWorked(ctx, pool); err != nil {
			return nil, err
		}
	}
	orders := float64(max(res.Ops, 1))
	target, p99 := bench.Min(1000), bench.Max(100)
	if n == 1 {
		target = bench.Min(500)
	}
	note := errNote(res)
	if !jobs {
		// The targets are the checkout's with its jobs; this run shows
		// how far the checkout alone gets.
		target, p99, note = bench.Target{}, bench.Target{}, cmp.Or(note, "no target: the checkout without the work of its jobs")
	}
	figs := []bench.Figure{
		{Name: "orders/s, " + name, Value: res.PerSecond(), Unit: "orders/s", Target: target, Note: note},
		{Name: "p50, " + name, Value: bench.Ms(res.Percentile(50)), Unit: "ms"},
		{Name: "p99, " + name, Value: bench.Ms(res.Percentile(99)), Unit: "ms", Target: p99},
	}
	if jobs {
		window := dur / 6
		first, last := meanBacklog(samples, 0, window), meanBacklog(samples, dur-window, dur)
		figs = append(figs,
			bench.Info(fmt.Sprintf("job backlog, first %s, ", window)+name, first.jobs, "jobs", "mean of the jobs due and not started"),
			bench.Info(fmt.Sprintf("job backlog, last %s, ", window)+name, last.jobs, "jobs", "grows with the orders/s as well as when the workers fall behind"),
			bench.Info(fmt.Sprintf("oldest job's wait, first %s, ", window)+name, bench.Ms(first.wait), "ms", "mean of the wait of the oldest job due and not started"),
			bench.Figure{Name: fmt.Sprintf("oldest job's wait, last %s, ", window) + name, Value: bench.Ms(last.wait), Unit: "ms",
				Target: bench.Max(bench.Ms(first.wait + riverfx.DefaultFetchPollInterval)),
				Note:   "should not grow (a job may have just missed a poll)"})
	}
	figs = append(figs,
		bench.Info("statements per order, "+name, float64(queries1-queries0)/orders, "stmts", "checkout and its jobs so far, River's own included"),
		bench.Info("write transactions per order, "+name, (work1.xacts-work0.xacts)/orders, "xacts", "each commit waits for a WAL flush"),
		bench.Info("WAL flushes per order, "+name, (work1.flushes-work0.flushes)/orders, "flushes", "commits waiting together share one"),
		bench.Info("WAL records per order, "+name, (work1.walRecords-work0.walRecords)/orders, "records", "every row and index entry written"),
		bench.Info("buffers touched per order, "+name, (work1.buffers-work0.buffers)/orders, "buffers", "shared buffers read or hit"),
		bench.Info("deadlocks, "+name, work1.deadlocks-work0.deadlocks, "", "each held a checkout for deadlock_timeout (1 s)"),
		bench.Info("Postgres CPU per order, "+name, bench.Ms(cpu.Postgres)/orders, "ms", "its server processes, the work of the jobs that ran included"),
		bench.Info("shop CPU per order, "+name, bench.Ms(cpu.Self)/orders, "ms", "the service, River and the load, in this process"),
		bench.Info("orders/s the CPU allows, "+name, float64(runtime.NumCPU())*orders/(cpu.Postgres+cpu.Self).Seconds(), "orders/s",
			fmt.Sprintf("%d CPUs ÷ the CPU per order", runtime.NumCPU())),
	)
	return figs, nil
}

func errNote(r loadgen.Result) string {
	if r.Errors == 0 {
		return ""
	}
	return fmt.Sprintf("%d errors, e.g. %v", r.Errors, r.FirstErr)
}
