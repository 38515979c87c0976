// Command bookstore runs the BookStore shop: every module in one process,
// or the modules named by --modules. Each command documents its flags in
// --help, and every flag can be set by an environment variable.
package main

import (
	"fmt"
	"os"
)

func main() {
	if err := newRootCommand().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "bookstore:", err)
		os.Exit(1)
	}
}
