package webtest

import (
	"html"
	"regexp"
)

var hiddenField = regexp.MustCompile(`<input type="hidden" name="([^"]*)" value="([^"]*)"`)

// HiddenValues returns the values of the hidden fields named name in a
// page, in order, as a browser would send them back with the form.
func HiddenValues(page, name string) []string {
	var out []string
	for _, m := range hiddenField.FindAllStringSubmatch(page, -1) {
		if html.UnescapeString(m[1]) == name {
			out = append(out, html.UnescapeString(m[2]))
		}
	}
	return out
}
