// Package seed fills an empty shop with varied demo listings from several
// sellers, each with a cover drawn by the program, so that a first run of
// the shop shows a living catalog.
package seed

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"image"
	"image/color"
	"image/png"
	mrand "math/rand/v2"
	"strconv"
	"strings"
	"time"

	"golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/bookstore/bookstore/modules/auth"
	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
	"github.com/bookstore/bookstore/platform/apperr"
	"github.com/bookstore/bookstore/platform/random"
)

// ErrNotEmpty is returned when the shop already has listings and Force is off.
var ErrNotEmpty = apperr.New(apperr.Conflict, "catalog.seed_not_empty", "the shop already has listings; pass --force to add demo listings anyway")

// The bounds of a run: at least one seller and one listing (a run without
// them makes nothing to show), and few enough that a mistyped count does
// not keep the command writing for hours.
const (
	MaxListings = 10_000
	MaxSellers  = 100
)

// Options tune a run.
type Options struct {
	Listings int  // 1 to MaxListings
	Sellers  int  // 1 to MaxSellers
	Force    bool // add to a shop that already has listings
	// Seed makes the generated data reproducible.
	Seed uint64
	// Progress, when set, is called after each listing.
	ProgressFunc func(done, total int)
}

// Result says what was created, including how to sign in as a seller.
type Result struct {
	Listings int
	Sellers  []auth.User
	Password string
}

// Validate reports the first count out of its bounds, named by its flag,
// so that the command can refuse it before it touches the database.
func (o Options) Validate() error {
	if o.Listings < 1 || o.Listings > MaxListings {
		return fmt.Errorf("--listings: must be from 1 to %d, got %d", MaxListings, o.Listings)
	}
	if o.Sellers < 1 || o.Sellers > MaxSellers {
		return fmt.Errorf("--sellers: must be from 1 to %d, got %d", MaxSellers, o.Sellers)
	}
	return nil
}

// Run creates the sellers through accounts (the sign-up rules apply) and
// their listings through the catalog service (the listing rules apply).
func Run(ctx context.Context, svc *service.Service, accounts auth.Accounts, o Options) (Result, error) {
	if err := o.Validate(); err != nil {
		return Result{}, err
	}
	n, err := svc.CountListings(ctx)
	if err != nil {
		return Result{}, err
	}
	if n > 0 && !o.Force {
		return Result{}, ErrNotEmpty.WithMessage(fmt.Sprintf("the shop already has %d listings; pass --force to add demo listings anyway", n))
	}
	rng := mrand.New(mrand.NewPCG(o.Seed, 0x626f6f6b))
	res := Result{Password: random.Hex(8)}
	run := random.Hex(3)
	for i := range o.Sellers {
		name := sellerNames[i%len(sellerNames)]
		u, err := accounts.CreateUser(ctx, auth.NewUser{
			Email:    fmt.Sprintf("seller%d-%s@bookstore.example", i+1, run),
			Name:     name,
			Password: res.Password,
		})
		if err != nil {
			return res, fmt.Errorf("create seller %q: %w", name, err)
		}
		// Sellers of a demo shop hear of each sale to its delivery; half of
		// them hear of their wants' matches in the app only, so the Outbox
		// page shows both kinds of choice.
		if u, err = accounts.SetEmailTopics(ctx, u.ID, map[auth.Topic]bool{auth.TopicSaleDelivered: true, auth.TopicWantMatch: i%2 == 0}); err != nil {
			return res, fmt.Errorf("choose the emails of seller %q: %w", name, err)
		}
		res.Sellers = append(res.Sellers, u)
		// Each seller also wants two books, so the demo shows matches
		// (seed inserts no jobs: it matches each listing itself below).
		for range 2 {
			w := works[rng.IntN(len(works))]
			if _, err := svc.CreateWant(ctx, u, service.WantInput{Words: w.title, MaxPriceCents: 2500, MinCondition: catalog.ConditionGood, Email: true}); err != nil {
				return res, fmt.Errorf("create want of %q: %w", name, err)
			}
		}
	}
	faces, err := newFaces()
	if err != nil {
		return res, err
	}
	// A few editions are listed by several sellers, so edition pages
	// compare copies side by side, "sell one like this" has data to fill a
	// form from, and the price guide has prices: each is one work in one
	// year, in the middle grades, and some of its copies sell.
	type edition struct {
		isbn string
		work work
	}
	shared := make([]edition, 12)
	for i := range shared {
		w := works[rng.IntN(len(works))]
		w.year += rng.IntN(80)
		shared[i] = edition{isbn: randomISBN(rng), work: w}
	}
	// Demo sales are orders the orders module never had: negative ids,
	// which no real order takes, different on each run.
	demoOrder := -time.Now().UnixMicro()
	for i := range o.Listings {
		w := works[rng.IntN(len(works))]
		in := service.Input{
			Title:         w.title,
			Author:        w.author,
			Condition:     service.Grades[rng.IntN(len(service.Grades))],
			ConditionNote: notes[rng.IntN(len(notes))],
			PriceCents:    int64(200+rng.IntN(60)*50) + int64(rng.IntN(100)),
			Copies:        1 + rng.IntN(3),
			Description:   fmt.Sprintf("%s by %s. %s", w.title, w.author, blurbs[rng.IntN(len(blurbs))]),
			Language:      w.lang,
			Year:          w.year + rng.IntN(80),
		}
		if in.Year > 2025 {
			in.Year = 2025
		}
		sharedEdition := false
		switch r := rng.IntN(10); {
		case r < 3:
			e := shared[rng.IntN(len(shared))]
			w, sharedEdition = e.work, true
			in.ISBN, in.Title, in.Author, in.Language, in.Year = e.isbn, w.title, w.author, w.lang, min(w.year, 2025)
			in.Description = fmt.Sprintf("%s by %s. %s", w.title, w.author, blurbs[rng.IntN(len(blurbs))])
			in.Condition = middleGrades[rng.IntN(len(middleGrades))]
		case r < 8:
			in.ISBN = randomISBN(rng)
		}
		if rng.IntN(8) == 0 {
			in.Copies = 1
		}
		seller := res.Sellers[rng.IntN(len(res.Sellers))]
		l, err := svc.Create(ctx, seller, in)
		if err != nil {
			return res, fmt.Errorf("create listing %d: %w", i+1, err)
		}
		if sharedEdition && in.Copies > 1 && rng.IntN(2) == 0 {
			demoOrder--
			line := catalog.Line{BookID: l.ID, Quantity: 1, PriceCents: l.PriceCents, SellerID: l.SellerID, Title: l.Title}
			if err := svc.Reserve(ctx, catalog.Reservation{OrderID: demoOrder, Lines: []catalog.Line{line}}); err != nil {
				return res, fmt.Errorf("sell a copy of listing %d: %w", l.ID, err)
			}
			if _, err := svc.Confirm(ctx, []int64{demoOrder}); err != nil {
				return res, fmt.Errorf("sell a copy of listing %d: %w", l.ID, err)
			}
		}
		cover, err := drawCover(faces, w, rng)
		if err != nil {
			return res, err
		}
		if _, err := svc.AddPhoto(ctx, seller, l.ID, cover); err != nil {
			return res, fmt.Errorf("add cover to listing %d: %w", l.ID, err)
		}
		if rng.IntN(20) == 0 {
			if _, err := svc.SetStatus(ctx, seller, l.ID, catalog.StatusPaused); err != nil {
				return res, err
			}
		}
		if _, err := svc.MatchWants(ctx, l.ID); err != nil {
			return res, err
		}
		res.Listings++
		if o.ProgressFunc != nil {
			o.ProgressFunc(i+1, o.Listings)
		}
	}
	if err := demoImport(ctx, svc, res.Sellers[0]); err != nil {
		return res, fmt.Errorf("demo import: %w", err)
	}
	return res, nil
}

// demoImport leaves the seller one finished CSV import, so that the import
// page shows a summary: up to five of the seller's listings that have an
// ISBN, read back from the export (each is updated to what it is, so the
// catalog stays as seeded), and a row without an author, refused.
func demoImport(ctx context.Context, svc *service.Service, seller auth.User) error {
	var export bytes.Buffer
	if err := svc.ExportListings(ctx, seller, &export); err != nil {
		return err
	}
	var file bytes.Buffer
	w := csv.NewWriter(&file)
	_ = w.Write(service.ImportColumns)
	// A seller without listings exports a header alone, which does not
	// parse; the import then holds the refused row only.
	rows, err := svc.ParseListings(export.Bytes())
	if err == nil {
		kept := 0
		for _, r := range rows {
			if r.Input.ISBN == "" || kept == 5 {
				continue
			}
			rec := make([]string, len(service.ImportColumns))
			for i, c := range service.ImportColumns {
				rec[i] = r.Cells[c]
			}
			_ = w.Write(rec)
			kept++
		}
	}
	noAuthor := map[string]string{"title": "Commonplace Book", "condition": "good", "price": "4.00", "copies": "1", "language": "en"}
	rec := make([]string, len(service.ImportColumns))
	for i, c := range service.ImportColumns {
		rec[i] = noAuthor[c]
	}
	_ = w.Write(rec)
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	im, _, err := svc.StageImport(ctx, seller, "stock-update.csv", file.Bytes())
	if err != nil {
		return err
	}
	if _, err := svc.ConfirmImport(ctx, seller, im.ID); err != nil {
		return err
	}
	return svc.RunImport(ctx, im.ID)
}

// middleGrades are the grades most second-hand copies are in, so a shared
// edition's copies meet in a few of them.
var middleGrades = []catalog.Condition{catalog.ConditionVeryGood, catalog.ConditionGood, catalog.ConditionFair}

// randomISBN makes a valid ISBN-13 in the 978 range.
func randomISBN(rng *mrand.Rand) string {
	body := "978" + fmt.Sprintf("%09d", rng.IntN(1_000_000_000))
	sum := 0
	for i, c := range body {
		w := 1
		if i%2 == 1 {
			w = 3
		}
		sum += w * int(c-'0')
	}
	return body + strconv.Itoa((10-sum%10)%10)
}

type faces struct{ title, author font.Face }

func newFaces() (faces, error) {
	bold, err := opentype.Parse(gobold.TTF)
	if err != nil {
		return faces{}, err
	}
	reg, err := opentype.Parse(goregular.TTF)
	if err != nil {
		return faces{}, err
	}
	t, err := opentype.NewFace(bold, &opentype.FaceOptions{Size: 34, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		return faces{}, err
	}
	a, err := opentype.NewFace(reg, &opentype.FaceOptions{Size: 24, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		return faces{}, err
	}
	return faces{title: t, author: a}, nil
}

var palette = []color.RGBA{
	{0x7a, 0x3e, 0x12, 0xff}, {0x1f, 0x4e, 0x79, 0xff}, {0x2e, 0x6b, 0x3a, 0xff}, {0x6b, 0x1f, 0x4e, 0xff},
	{0x3d, 0x3d, 0x3d, 0xff}, {0x8a, 0x6d, 0x1a, 0xff}, {0x1a, 0x6d, 0x6d, 0xff}, {0x9b, 0x2c, 0x2c, 0xff},
}

// drawCover paints a 400×600 cover: a coloured board, a band, the title
// wrapped over a few lines and the author.
func drawCover(f faces, w work, rng *mrand.Rand) ([]byte, error) {
	const width, height = 400, 600
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	bg := palette[rng.IntN(len(palette))]
	draw.Draw(img, img.Bounds(), &image.Uniform{C: bg}, image.Point{}, draw.Src)
	band := color.RGBA{0xf5, 0xec, 0xd7, 0xff}
	draw.Draw(img, image.Rect(30, 120, width-30, 420), &image.Uniform{C: band}, image.Point{}, draw.Src)
	draw.Draw(img, image.Rect(0, 40, width, 48), &image.Uniform{C: band}, image.Point{}, draw.Src)
	draw.Draw(img, image.Rect(0, height-48, width, height-40), &image.Uniform{C: band}, image.Point{}, draw.Src)
	y := 180
	for _, line := range wrap(f.title, w.title, width-90) {
		text(img, f.title, line, y, bg)
		y += 42
	}
	text(img, f.author, w.author, 390, color.RGBA{0x33, 0x33, 0x33, 0xff})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func text(img *image.RGBA, face font.Face, s string, y int, c color.Color) {
	d := &font.Drawer{Dst: img, Src: &image.Uniform{C: c}, Face: face}
	wd := d.MeasureString(s).Ceil()
	d.Dot = fixed.P(max(35, (img.Bounds().Dx()-wd)/2), y)
	d.DrawString(s)
}

func wrap(face font.Face, s string, maxWidth int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		try := strings.TrimSpace(line + " " + word)
		if line != "" && font.MeasureString(face, try).Ceil() > maxWidth {
			lines = append(lines, line)
			line = word
			continue
		}
		line = try
	}
	if line != "" {
		lines = append(lines, line)
	}
	if len(lines) > 5 {
		lines = lines[:5]
	}
	return lines
}
