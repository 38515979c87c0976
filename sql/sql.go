// Package sql embeds every module's migrations, so the binary carries its
// schema and needs no files beside it. Queries live beside the migrations
// and are compiled into Go by sqlc, never read at run time.
package sql

import (
	"embed"
	"io/fs"
)

//go:embed */migrations/*.sql
var files embed.FS

// Migrations returns the migrations folder of one module.
func Migrations(module string) (fs.FS, error) {
	return fs.Sub(files, module+"/migrations")
}
