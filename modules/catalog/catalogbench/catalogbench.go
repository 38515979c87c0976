// Package catalogbench holds the catalog's sections of `make bench`.
package catalogbench

import "github.com/bookstore/bookstore/platform/bench"

// Sections are the catalog's parts of the report.
func Sections() []bench.Section { return nil }
