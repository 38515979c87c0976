package bench

import (
	"bufio"
	"cmp"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// SlowStatement sums the plans auto_explain logged for one statement.
type SlowStatement struct {
	// Name is the sqlc query's name, or the first line of its text.
	Name  string
	Calls int
	Total time.Duration
	// Scanned are the tables its plans read whole (a Seq Scan node).
	Scanned []string
}

var (
	planStart = regexp.MustCompile(`LOG:  duration: ([0-9.]+) ms  plan:`)
	queryName = regexp.MustCompile(`-- name: (\w+)`)
	seqScan   = regexp.MustCompile(`Seq Scan on (\S+)`)
)

// ReadSlowStatements sums a server log's auto_explain plans by statement,
// the slowest in total first: a plan that reads a whole table growing
// with the shop's history is the first thing to look for.
func ReadSlowStatements(log io.Reader) ([]SlowStatement, error) {
	byName := map[string]*SlowStatement{}
	var cur *SlowStatement
	var took time.Duration
	var text []string
	flush := func() {
		if cur == nil {
			return
		}
		plan := strings.Join(text, "\n")
		name := "?"
		if _, q, ok := strings.Cut(plan, "Query Text:"); ok {
			name = statementName(q)
		}
		s := byName[name]
		if s == nil {
			s = &SlowStatement{Name: name}
			byName[name] = s
		}
		s.Calls++
		s.Total += took
		for _, m := range seqScan.FindAllStringSubmatch(plan, -1) {
			if !slices.Contains(s.Scanned, m[1]) {
				s.Scanned = append(s.Scanned, m[1])
			}
		}
		cur, text = nil, nil
	}
	sc := bufio.NewScanner(log)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	for sc.Scan() {
		line := sc.Text()
		if m := planStart.FindStringSubmatch(line); m != nil {
			flush()
			ms, _ := strconv.ParseFloat(m[1], 64)
			cur, took = &SlowStatement{}, time.Duration(ms*float64(time.Millisecond))
			continue
		}
		if cur != nil && strings.HasPrefix(line, "\t") {
			text = append(text, line)
			continue
		}
		flush()
	}
	flush()
	if err := sc.Err(); err != nil {
		return nil, err
	}
	out := make([]SlowStatement, 0, len(byName))
	for _, s := range byName {
		slices.Sort(s.Scanned)
		out = append(out, *s)
	}
	slices.SortFunc(out, func(a, b SlowStatement) int {
		return cmp.Or(cmp.Compare(b.Total, a.Total), cmp.Compare(a.Name, b.Name))
	})
	return out, nil
}
