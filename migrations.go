// Package bookstore holds what the binary embeds from the repository's own
// tree: every module's migrations, so the binary carries its schema and
// needs no files beside it. Queries live beside the migrations in sql/ and
// are compiled into Go by sqlc, never read at run time.
package bookstore

import (
	"embed"
	"io/fs"

	"github.com/bookstore/bookstore/platform/migrate"
)

//go:embed sql/*/migrations/*.sql
var files embed.FS

// Migrations returns the migrations folder of one module.
func Migrations(module string) (fs.FS, error) {
	return fs.Sub(files, "sql/"+module+"/migrations")
}

// MigrationSets lists the migrations of the named modules, in that order,
// for migrate.Apply.
func MigrationSets(modules ...string) []migrate.Set {
	sets := make([]migrate.Set, 0, len(modules))
	for _, m := range modules {
		fsys, err := Migrations(m)
		if err != nil {
			panic(err) // fs.Sub fails only on a malformed path, never on a module name
		}
		sets = append(sets, migrate.Set{Schema: m, FS: fsys})
	}
	return sets
}
