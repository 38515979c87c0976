package view

import (
	"context"
	"io"
)

// Text is text rendered as a component (@Text(s)): HTML-escaped exactly as
// templ's { s } escapes it, but written straight into the page's buffer.
// { s } formats through fmt.Sprint, two allocations each, which a grid of
// book cards pays for every text of every card; parts drawn many times a
// page use Text instead, and the rest of the pages keep { s }.
type Text string

// Render writes t with &, ', <, > and " escaped as html.EscapeString does.
func (t Text) Render(_ context.Context, w io.Writer) error {
	s := string(t)
	last := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '&':
			esc = "&amp;"
		case '\'':
			esc = "&#39;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '"':
			esc = "&#34;"
		default:
			continue
		}
		if _, err := io.WriteString(w, s[last:i]); err != nil {
			return err
		}
		if _, err := io.WriteString(w, esc); err != nil {
			return err
		}
		last = i + 1
	}
	_, err := io.WriteString(w, s[last:])
	return err
}
