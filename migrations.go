// Package bookstore holds what the binary embeds from the repository's own
// tree: every module's migrations, so the binary carries its schema and
// needs no files beside it. Queries live beside the migrations in sql/ and
// are compiled into Go by sqlc, never read at run time.
package bookstore

import (
	"embed"
	"io/fs"
)

//go:embed sql/*/migrations/*.sql
var files embed.FS

// Migrations returns the migrations folder of one module.
func Migrations(module string) (fs.FS, error) {
	return fs.Sub(files, "sql/"+module+"/migrations")
}
