package service_test

import (
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
	"golang.org/x/text/unicode/norm"

	"github.com/bookstore/bookstore/modules/catalog"
	"github.com/bookstore/bookstore/modules/catalog/catalogtest"
	"github.com/bookstore/bookstore/modules/catalog/internal/service"
	"github.com/bookstore/bookstore/platform/pgtest"
)

// searchBundle searches b's shop with a count, as the API does.
type searchBundle struct {
	*bundle
	t *testing.T
}

func (s searchBundle) search(text string) service.Results {
	s.t.Helper()
	res, err := s.svc.Search(s.t.Context(), service.Query{Text: text, Count: true})
	require.NoError(s.t, err, text)
	return res
}

func (s searchBundle) ids(text string) []catalog.BookID {
	s.t.Helper()
	out := []catalog.BookID{}
	for _, l := range s.search(text).Listings {
		out = append(out, l.ID)
	}
	return out
}

func (s searchBundle) book(title, author string) catalog.BookID {
	s.t.Helper()
	return catalogtest.CreateBook(s.t.Context(), s.t, s.pool, &catalogtest.BookOpts{Title: title, Author: author}).ID
}

// TestService_SearchKeepsMarksInWords: a word written with combining marks
// (Devanagari and Thai vowel signs, Arabic harakat, a decomposed accent) is
// one word, as the index holds it, and a search or a listing typed
// decomposed (NFD) meets the composed one.
func TestService_SearchKeepsMarksInWords(t *testing.T) {
	t.Parallel()
	b, ctx := setup(t)
	s := searchBundle{b, t}
	godaan := s.book("गोदान", "प्रेमचंद")
	thai := s.book("ข้างหลังภาพ", "ศรีบูรพา")
	kitab := s.book("الكِتَابُ", "سيبويه")
	godel := s.book("Gödel, Escher, Bach", "Douglas Hofstadter")
	hugo := s.book("Les Misérables", "Victor Hugo")
	nfd := norm.NFD.String
	in := validInput()
	in.Title, in.Author, in.Description = nfd("Thérèse Raquin"), nfd("Émile Zola"), nfd("Un roman naturaliste, écrit à Paris.")
	zola, err := b.svc.Create(ctx, b.seller, in)
	require.NoError(t, err)
	require.Equal(t, []string{"Thérèse Raquin", "Émile Zola", "Un roman naturaliste, écrit à Paris."},
		[]string{zola.Title, zola.Author, zola.Description}, "stored composed")

	for text, want := range map[string]catalog.BookID{
		"गोदान": godaan, "ข้างหลังภาพ": thai, "الكِتَابُ": kitab, "प्रेमचं": godaan,
		"Gödel": godel, nfd("Gödel"): godel, nfd("Misérables"): hugo,
		"Émile Zola": zola.ID, nfd("Émile Zola"): zola.ID, "Thérèse": zola.ID, "écrit": zola.ID,
	} {
		res := s.search(text)
		require.Equal(t, 1, res.Total, "%+q", text)
		require.Equal(t, want, res.Listings[0].ID, "%+q", text)
	}
	require.Equal(t, "miserables", s.search(nfd("Misérablez")).Suggestion, "one word, corrected once")
}

// TestService_SearchFoldsFinalSigma: Greek capitals lower-case to σ where
// the word is written with ς, and both find the same listings, whichever
// of them the listing or the search is written in.
func TestService_SearchFoldsFinalSigma(t *testing.T) {
	t.Parallel()
	b, _ := setup(t)
	s := searchBundle{b, t}
	zorba := s.book("Βίος και Πολιτεία του Αλέξη Ζορμπά", "Νίκος Καζαντζάκης")
	michalis := s.book("Ο Καπετάν Μιχάλης", "Νίκος Καζαντζάκης")
	odysseus := s.book("ΟΔΥΣΣΕΑΣ", "ΑΝΩΝΥΜΟΣ")
	for _, text := range []string{"ΚΑΖΑΝΤΖΑΚΗΣ", "καζαντζακης", "Καζαντζάκης", "νικος καζαντζακη"} {
		require.ElementsMatch(t, []catalog.BookID{zorba, michalis}, s.ids(text), text)
	}
	require.Equal(t, []catalog.BookID{odysseus}, s.ids("Οδυσσέας"))
	require.Equal(t, []catalog.BookID{odysseus}, s.ids("ανωνυμος"))
	res := s.search("Καζαντζάκις")
	require.Empty(t, res.Listings)
	require.Equal(t, "καζαντζακης", res.Suggestion, "spelt with its final sigma")
	require.Len(t, s.ids(res.Suggestion), 2)
}

// TestService_SearchFindsWordsInCJKText: Chinese and Japanese write no
// space between words, and Korean joins particles to its words, yet a
// word of one or more characters inside a title, an author or a
// description is found, a pair of characters the text does not hold is
// not, the Latin words beside them are words of their own, half-width
// katakana meet full-width, and the count is the number of matches.
func TestService_SearchFindsWordsInCJKText(t *testing.T) {
	t.Parallel()
	b, ctx := setup(t)
	s := searchBundle{b, t}
	neko := s.book("吾輩は猫である", "夏目漱石")
	tokyo := s.book("東京物語の本", "小津安二郎")
	kyoto := s.book("京都の旅", "Ann Author")
	honglou := s.book("红楼梦", "曹雪芹")
	korean := s.book("채식주의자를 읽다", "한강")
	potter := s.book("Harry Potterと賢者の石", "J. K. Rowling")
	kana := s.book("ｶﾀｶﾅの本", "Ann Author")
	described := catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{Title: "Tea", Description: "中国茶の歴史と淹れ方。"}).ID
	cat := s.book("Cat Stories", "Ann Author")
	osaka := s.book("大阪と阪神", "Ann Author")

	for _, tc := range []struct {
		name, text string
		want       []catalog.BookID
	}{
		{"OneKanji", "猫", []catalog.BookID{neko}},
		{"KanaAtTheEnd", "である", []catalog.BookID{neko}},
		{"LastCharacter", "る", []catalog.BookID{neko}},
		{"KanjiAtTheStart", "吾輩", []catalog.BookID{neko}},
		{"PairNotInTheTitle", "猫だ", nil},
		{"WordInsideATitle", "東京", []catalog.BookID{tokyo}},
		{"WordInTheMiddle", "物語", []catalog.BookID{tokyo}},
		{"PairsFromTwoTitles", "東京都", nil},
		{"PairsApart", "大阪神", nil},
		{"PairAfterAnother", "と阪神", []catalog.BookID{osaka}},
		{"Author", "漱石", []catalog.BookID{neko}},
		{"AuthorWithTitle", "夏目 猫", []catalog.BookID{neko}},
		{"CommonCharacter", "の", []catalog.BookID{tokyo, kyoto, potter, kana, described}},
		{"Chinese", "楼梦", []catalog.BookID{honglou}},
		{"ChineseAuthor", "曹雪芹", []catalog.BookID{honglou}},
		{"ChineseDescription", "中国茶", []catalog.BookID{described}},
		{"KoreanWordWithoutItsParticle", "채식주의자", []catalog.BookID{korean}},
		{"KoreanAuthor", "한강", []catalog.BookID{korean}},
		{"LatinBeforeKana", "potter rowling", []catalog.BookID{potter}},
		{"KanjiAfterLatin", "賢者の石", []catalog.BookID{potter}},
		{"Mixed", "harry 賢者", []catalog.BookID{potter}},
		{"MixedAsWritten", "Harry Potterと賢者の石", []catalog.BookID{potter}},
		{"HalfWidthListing", "カタカナ", []catalog.BookID{kana}},
		{"HalfWidthSearch", "ｶﾀｶﾅ", []catalog.BookID{kana}},
		{"LatinAsBefore", "stor", []catalog.BookID{cat}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := searchBundle{b, t}
			res := s.search(tc.text)
			got := []catalog.BookID{}
			for _, l := range res.Listings {
				got = append(got, l.ID)
			}
			require.ElementsMatch(t, tc.want, got, "%+q", tc.text)
			require.Equal(t, len(tc.want), res.Total, "counted")
			require.True(t, res.TotalExact)
			require.Empty(t, res.Suggestion, "no pieces of words offered")
		})
	}
	require.Equal(t, "harry 賢者", s.search("hary 賢者").Suggestion, "the Latin word corrected, the rest as typed")
	require.Equal(t, "채식주의자를", s.search("채식주의쟈를").Suggestion, "a Korean word, as written")
}

// TestCJK_NamesTheIndexsCharacters: the service splits a search where the
// index does (catalog.cjk_chars), so no word it sends whole comes back
// from search_text as several, which its prefix tsquery could not parse.
func TestCJK_NamesTheIndexsCharacters(t *testing.T) {
	t.Parallel()
	const last = 0x50000
	var want []int32
	before := false
	for r := rune(1); r < last; r++ {
		if utf8.ValidRune(r) {
			if service.CJK(r) != before {
				want = append(want, r)
			}
			before = service.CJK(r)
		}
	}
	var got []int32
	require.NoError(t, pgtest.New(t).QueryRow(t.Context(), `SELECT array_agg(r ORDER BY r) FROM (
		  SELECT r, chr(r) ~ catalog.cjk_chars() AS cjk, lag(chr(r) ~ catalog.cjk_chars()) OVER (ORDER BY r) AS before
		  FROM generate_series(1, $1 - 1) r WHERE r NOT BETWEEN 55296 AND 57343) c
		WHERE cjk <> before`, last).Scan(&got))
	require.Equal(t, want, got, "where a run of CJK characters starts or ends")
}

// TestService_SearchReadsATypographicISBN: an ISBN copied from a page or
// typed on a CJK keyboard, with other dashes and spaces or full-width
// digits, finds its edition, and a listing's ISBN field reads it alike.
func TestService_SearchReadsATypographicISBN(t *testing.T) {
	t.Parallel()
	b, ctx := setup(t)
	s := searchBundle{b, t}
	hobbit := catalogtest.CreateBook(ctx, t, b.pool, &catalogtest.BookOpts{Title: "The Hobbit", ISBN: "9780261102217"}).ID
	s.book("Another book", "Ann Author")
	for _, text := range []string{
		"978\u20110\u2011261\u201110221\u20117", // non-breaking hyphens
		"978–0–261–10221–7",                     // en dashes
		"978\u00a00\u00a0261\u00a010221\u00a07", // no-break spaces
		"９７８０２６１１０２２１７",                         // full-width digits
		"０‐２６１‐１０２２１‐４",                         // its ISBN-10, full-width, with hyphens (U+2010)
	} {
		require.Equal(t, []catalog.BookID{hobbit}, s.ids(text), "%+q", text)
	}
	in := validInput()
	in.ISBN = "０‐１４‐１４３９５１‐３"
	l, err := b.svc.Create(ctx, b.seller, in)
	require.NoError(t, err)
	require.Equal(t, "9780141439518", l.ISBN, "a listing's ISBN reads it the same")
}

// TestService_SearchReadsSymbolsAfterAWord: "C++" and "C#" are whole words
// (c), not the prefix of every word starting with c, and each ranks the
// listings whose title holds it as typed first.
func TestService_SearchReadsSymbolsAfterAWord(t *testing.T) {
	t.Parallel()
	b, _ := setup(t)
	s := searchBundle{b, t}
	// Oldest first, so neither age nor length puts the C++ book ahead.
	cpp := s.book("C++ Primer", "Stanley Lippman")
	kr := s.book("The C Programming Language", "Brian Kernighan")
	csharp := s.book("C# in Depth", "Jon Skeet")
	clean := s.book("Clean Code", "Robert Martin")
	s.book("Cosmos", "Carl Sagan")

	got := s.ids("C++")
	require.ElementsMatch(t, []catalog.BookID{cpp, kr, csharp}, got, "the word c, no prefix")
	require.Equal(t, cpp, got[0])
	got = s.ids("c#")
	require.ElementsMatch(t, []catalog.BookID{cpp, kr, csharp}, got)
	require.Equal(t, csharp, got[0])
	require.Equal(t, []catalog.BookID{cpp}, s.ids("C++ primer"))
	require.Equal(t, []catalog.BookID{clean}, s.ids("cle"), "a last word typed halfway is still a prefix")
	require.Len(t, s.ids("c"), 5)
}

// TestService_SearchRanksTheExactTitleFirst: the listing titled exactly as
// typed (case, accents, punctuation and Unicode form aside) comes first,
// then those whose title starts with it, then the others by relevance,
// though longer titles repeat the words and newer ones outnumber it.
func TestService_SearchRanksTheExactTitleFirst(t *testing.T) {
	t.Parallel()
	b, ctx := setup(t)
	s := searchBundle{b, t}
	// Oldest first, so age alone would put each one last.
	machine := s.book("The Time Machine", "H. G. Wells")
	essays := s.book("Time and the Time Machine: Essays", "Various")
	goBook := s.book("Go", "Kazuo Inoue")
	watchman := s.book("Go Set a Watchman", "Harper Lee")
	mountain := s.book("Go Tell It on the Mountain", "James Baldwin")
	it := s.book("It", "Stephen King")
	ends := s.book("It Ends with Us", "Colleen Hoover")
	mis := s.book("Les Misérables", "Victor Hugo")
	s.book("Misérables et autres", "Anon")

	require.Equal(t, []catalog.BookID{machine, essays}, s.ids("the time machine"))
	require.Equal(t, []catalog.BookID{machine, essays}, s.ids("THE TIME MACHINE!"))
	require.Equal(t, machine, s.ids("the time")[0], "a title that starts with the words next")
	require.Equal(t, goBook, s.ids("go")[0])
	require.ElementsMatch(t, []catalog.BookID{goBook, watchman, mountain}, s.ids("go")[:3])
	require.Equal(t, []catalog.BookID{it, ends, mountain}, s.ids("it")[:3], "exact, then starts with it")
	require.Equal(t, mis, s.ids(norm.NFD.String("les miserables"))[0])
	require.Equal(t, it, s.ids("stephen king")[0], "an exact author too")

	// An exact title older than every pool of newer titles with its word.
	_, err := b.pool.Exec(ctx, `INSERT INTO catalog.books (seller_id, title, author, condition, price_cents, listed, available)
		SELECT 1000, 'All of It, volume ' || i, 'Someone', 'good', 1000, 1, 1 FROM generate_series(1, $1::int) i`, service.RankPool+10)
	require.NoError(t, err)
	require.Equal(t, it, s.ids("It")[0])
}

// TestService_SearchSuggestsSwapsAndDropsUnknownWords: "did you mean"
// corrects short words with swapped or missing letters, which share too
// few trigrams with the word meant, and, when a word is close to nothing
// the shop knows, suggests the search without it.
func TestService_SearchSuggestsSwapsAndDropsUnknownWords(t *testing.T) {
	t.Parallel()
	b, _ := setup(t)
	s := searchBundle{b, t}
	s.book("It", "Stephen King")
	s.book("Kiln Building", "Ann Potter")
	s.book("Nineteen Eighty-Four", "George Orwell")
	s.book("The Hobbit", "J. R. R. Tolkien")
	s.book("The Time Machine", "H. G. Wells")
	for text, want := range map[string]string{
		"stephen kign":       "stephen king",
		"kign":               "king",
		"orwlel":             "orwell",
		"hboibt":             "hobbit",
		"the tme machine":    "the time machine",
		"time machine xyzzy": "time machine",
		"jrr tolkien":        "tolkien",
	} {
		res := s.search(text)
		require.Zero(t, res.Total, text)
		require.Equal(t, want, res.Suggestion, text)
		require.NotEmpty(t, s.search(res.Suggestion).Listings, "%s: the suggestion finds books", text)
	}
	require.Empty(t, s.search("xyzzy qwrtp").Suggestion, "nothing left to search")
}

// TestService_SearchFindsTokensWithSymbols: a title joined by a hyphen
// before a digit, dots or a slash is found by its pieces, by them run
// together, and as typed, as the index reads such a token as one.
func TestService_SearchFindsTokensWithSymbols(t *testing.T) {
	t.Parallel()
	b, _ := setup(t)
	s := searchBundle{b, t}
	catch := s.book("Catch-22", "Joseph Heller")
	tcp := s.book("TCP/IP Illustrated", "W. Richard Stevens")
	web := s.book("Web 2.0 for Dummies", "Ann Author")
	node := s.book("Node.js in Action", "Mike Cantelon")
	rur := s.book("R.U.R.", "Karel Čapek")
	hobbit := s.book("The Hobbit", "J.R.R. Tolkien")
	lotr := s.book("The Lord of the Rings", "J. R. R. Tolkien")
	for text, want := range map[string][]catalog.BookID{
		"catch-22": {catch}, "catch 22": {catch}, "22": {catch}, "catch22": {catch},
		"tcp/ip": {tcp}, "tcp ip": {tcp}, "tcpip": {tcp},
		"web 2.0": {web},
		"node.js": {node}, "node js": {node}, "nodejs": {node},
		"r.u.r.": {rur}, "rur": {rur},
		"j.r.r. tolkien": {hobbit, lotr}, "jrr tolkien": {hobbit},
	} {
		require.ElementsMatch(t, want, s.ids(text), text)
	}
	require.Equal(t, catch, s.ids("catch-22")[0])
}
