// Package migrations holds the SQL that builds the HQ schema and every city
// schema, embedded in the binary, and applies it with a goose Provider (no
// global goose state). Files hold one DDL statement each: MySQL commits DDL
// implicitly, so a file with two could half-apply.
//
// Version ranges keep areas apart: HQ and city files are numbered by area
// (00001-00999 platform, 01000+ per capability), applied out of order when a
// lower number arrives later.
package migrations

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
)

//go:embed hq/*.sql city/*.sql
var files embed.FS

// Kind selects the set of migrations.
type Kind string

const (
	HQ   Kind = "hq"
	City Kind = "city"
)

// Up applies every pending migration of kind to db, whose connection's
// default database must be the target schema. It returns how many ran.
func Up(ctx context.Context, db *sql.DB, kind Kind) (int, error) {
	p, err := provider(db, kind)
	if err != nil {
		return 0, err
	}
	res, err := p.Up(ctx)
	if err != nil {
		return len(res), fmt.Errorf("migrate %s: %w", kind, err)
	}
	return len(res), nil
}

// Pending reports how many migrations of kind are not yet applied.
func Pending(ctx context.Context, db *sql.DB, kind Kind) (int, error) {
	p, err := provider(db, kind)
	if err != nil {
		return 0, err
	}
	st, err := p.Status(ctx)
	if err != nil {
		return 0, fmt.Errorf("migration status %s: %w", kind, err)
	}
	n := 0
	for _, s := range st {
		if s.State == goose.StatePending {
			n++
		}
	}
	return n, nil
}

func provider(db *sql.DB, kind Kind) (*goose.Provider, error) {
	sub, err := fs.Sub(files, string(kind))
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(goose.DialectMySQL, db, sub,
		goose.WithDisableGlobalRegistry(true),
		goose.WithAllowOutofOrder(true),
	)
}
