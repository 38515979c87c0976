package catalogbench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/bookstore/bookstore/modules/catalog/internal/service"
	"github.com/bookstore/bookstore/platform/bench"
	"github.com/bookstore/bookstore/platform/loadgen"
	"github.com/bookstore/bookstore/platform/pg"
)

// pageClients is the concurrency of the page section.
const pageClients = 8

// The shop's pages and the bare handlers are compared in pageRounds rounds
// of pageRound each, taking turns (loadgen.Alternate).
const (
	pageRounds = 5
	pageRound  = 3 * time.Second
)

// pageSection loads the first page of the catalog, as HTML (/books) and as
// JSON (/api/v1/books), from the real binary, and the same from bare
// handlers: net/http and pgx running the SQL the shop runs (the page with
// its photos, the capped count, the estimate, in one batch) and printing a
// minimal list. The ratio is the shop's cost of everything around the SQL.
func pageSection(ctx context.Context, env *bench.Env) ([]bench.Figure, error) {
	db, err := fill(ctx, env, 10_000)
	if err != nil {
		return nil, err
	}
	defer db.Drop()
	shop, err := env.StartShop(ctx, db.URL)
	if err != nil {
		return nil, err
	}
	defer shop.Stop()
	bare, err := startBare(ctx, db.URL)
	if err != nil {
		return nil, err
	}
	defer bare.close()

	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	get := func(url string) loadgen.OpFunc {
		return func(ctx context.Context, _, _ int) error {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			if err != nil {
				return err
			}
			res, err := client.Do(req)
			if err != nil {
				return err
			}
			defer res.Body.Close()
			if _, err := io.Copy(io.Discard, res.Body); err != nil {
				return err
			}
			if res.StatusCode != http.StatusOK {
				return fmt.Errorf("GET %s: %s", url, res.Status)
			}
			return nil
		}
	}
	run := func(name, url string, warmup time.Duration) (loadgen.Result, error) {
		r := loadgen.Run(ctx, loadgen.Options{Workers: pageClients, Duration: env.Dur(pageRound), Warmup: env.Dur(warmup)}, get(url))
		if r.Errors > 0 {
			return r, fmt.Errorf("%s: %d errors, e.g. %w", name, r.Errors, r.FirstErr)
		}
		return r, nil
	}
	var figs []bench.Figure
	results := map[string]loadgen.Result{}
	spread := map[string]string{}
	for _, pair := range [][2]struct{ name, url string }{
		{{"catalog page /books", shop.URL + "/books"}, {"bare HTML handler", bare.url + "/html"}},
		{{"JSON list /api/v1/books", shop.URL + "/api/v1/books"}, {"bare JSON handler", bare.url + "/json"}},
	} {
		env.Logf("%s against %s: %d rounds of each", pair[0].name, pair[1].name, pageRounds)
		sides, lo, hi, err := loadgen.Alternate(pageRounds, func(side, i int) (loadgen.Result, error) {
			warmup := 500 * time.Millisecond
			if i == 0 {
				warmup = 2 * time.Second
			}
			return run(pair[side].name, pair[side].url, warmup)
		})
		if err != nil {
			return figs, err
		}
		for k, c := range pair {
			results[c.name] = sides[k]
		}
		spread[pair[0].name] = fmt.Sprintf("all rounds together; each round's from %.2f to %.2f", lo, hi)
	}
	htmlPage, bareHTML := results["catalog page /books"], results["bare HTML handler"]
	jsonList, bareJSON := results["JSON list /api/v1/books"], results["bare JSON handler"]
	figs = append(figs,
		bench.Info("catalog page /books", htmlPage.PerSecond(), "pages/s", "10,000 listings, newest first, with the count"),
		bench.Figure{Name: "catalog page p99", Value: bench.Ms(htmlPage.Percentile(99)), Unit: "ms", Target: bench.Max(50)},
		bench.Info("bare HTML handler", bareHTML.PerSecond(), "pages/s", fmt.Sprintf("p99 %.1f ms", bench.Ms(bareHTML.Percentile(99)))),
		bench.Figure{Name: "catalog page ÷ bare", Value: htmlPage.PerSecond() / bareHTML.PerSecond(), Unit: "×", Target: bench.Min(0.8), Note: spread["catalog page /books"]},
		bench.Info("JSON list /api/v1/books", jsonList.PerSecond(), "pages/s", fmt.Sprintf("p99 %.1f ms", bench.Ms(jsonList.Percentile(99)))),
		bench.Info("bare JSON handler", bareJSON.PerSecond(), "pages/s", fmt.Sprintf("p99 %.1f ms", bench.Ms(bareJSON.Percentile(99)))),
		bench.Figure{Name: "JSON list ÷ bare", Value: jsonList.PerSecond() / bareJSON.PerSecond(), Unit: "×", Target: bench.Min(0.8), Note: spread["JSON list /api/v1/books"]},
	)
	return figs, nil
}

// bareServer serves the two bare handlers on a loopback port.
type bareServer struct {
	url  string
	srv  *http.Server
	pool *pgxpool.Pool
}

func (b *bareServer) close() {
	_ = b.srv.Close()
	b.pool.Close()
}

// bareBook is what the bare handlers print of a listing.
type bareBook struct {
	ID         int64    `json:"id"`
	Title      string   `json:"title"`
	Author     string   `json:"author"`
	PriceCents int64    `json:"price_cents"`
	Available  int32    `json:"available"`
	Photos     []string `json:"photos"`
}

func startBare(ctx context.Context, url string) (*bareServer, error) {
	p, err := bench.Pool(ctx, url, pg.MaxConns)
	if err != nil {
		return nil, err
	}
	q := service.Query{Count: true}
	if err := q.Validate(); err != nil {
		p.Close()
		return nil, err
	}
	st := service.SearchStatements(q)
	// The shop sends a browse's page alone, its count read from the
	// planner's estimate, which it keeps for estimateTTL: the bare handlers
	// do the same, the estimate taken once, so that the ratio weighs the
	// shop's work around the same SQL, not a cache the bare handlers lack.
	var plan []byte
	if err := p.QueryRow(ctx, st.Estimate, st.MatchArgs...).Scan(&plan); err != nil {
		p.Close()
		return nil, err
	}
	count := service.EstimatedRows(plan)
	load := func(ctx context.Context) ([]bareBook, int, error) {
		rows, err := p.Query(ctx, st.Page, st.Args...)
		if err != nil {
			return nil, 0, err
		}
		var books []bareBook
		for rows.Next() {
			vals, err := rows.Values()
			if err != nil {
				rows.Close()
				return nil, 0, err
			}
			b := bareBook{ID: vals[0].(int64), Title: vals[2].(string), Author: vals[3].(string), PriceCents: vals[7].(int64), Available: vals[14].(int32)}
			if keys, ok := vals[24].([]any); ok {
				for _, k := range keys {
					b.Photos = append(b.Photos, k.(string))
				}
			}
			books = append(books, b)
		}
		return books, count, rows.Err()
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/html", func(w http.ResponseWriter, r *http.Request) {
		books, count, err := load(r.Context())
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		var buf bytes.Buffer
		fmt.Fprintf(&buf, "<!doctype html><title>Books</title><h1>Books</h1><p>%d books</p><ul>", count)
		for _, b := range books {
			fmt.Fprintf(&buf, "<li><a href=\"/books/%d\">%s</a> by %s, $%d.%02d, %d available", b.ID, html.EscapeString(b.Title), html.EscapeString(b.Author), b.PriceCents/100, b.PriceCents%100, b.Available)
			for _, k := range b.Photos {
				fmt.Fprintf(&buf, " <img src=\"/photos/%s\" alt=\"\">", html.EscapeString(k))
			}
			buf.WriteString("</li>")
		}
		buf.WriteString("</ul>")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(buf.Bytes())
	})
	mux.HandleFunc("/json", func(w http.ResponseWriter, r *http.Request) {
		books, count, err := load(r.Context())
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"books": books, "total": count})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		p.Close()
		return nil, err
	}
	b := &bareServer{url: "http://" + ln.Addr().String(), srv: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}, pool: p}
	go func() { _ = b.srv.Serve(ln) }()
	return b, nil
}
