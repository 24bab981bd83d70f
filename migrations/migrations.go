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
	"strconv"
	"strings"

	"github.com/pressly/goose/v3"
)

//go:embed hq/*.sql city/*.sql hq_triggers/*.sql city_triggers/*.sql
var files embed.FS

// Kind selects the set of migrations.
type Kind string

const (
	HQ   Kind = "hq"
	City Kind = "city"
)

// Options say what the engine can do.
type Options struct {
	// NoTriggers skips the append-only triggers (audit log, ledger): the
	// in-memory demo engine cannot run DML in a schema with triggers unless
	// a default database is selected. The versions are still recorded.
	NoTriggers bool
}

// Up applies every pending migration of kind to db, whose connection's
// default database must be the target schema. It returns how many ran.
func Up(ctx context.Context, db *sql.DB, kind Kind, o Options) (int, error) {
	p, err := provider(db, kind, o)
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
func Pending(ctx context.Context, db *sql.DB, kind Kind, o Options) (int, error) {
	p, err := provider(db, kind, o)
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

func provider(db *sql.DB, kind Kind, o Options) (*goose.Provider, error) {
	sub, err := fs.Sub(files, string(kind))
	if err != nil {
		return nil, err
	}
	triggers, err := triggerMigrations(kind, o)
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(goose.DialectMySQL, db, sub,
		goose.WithDisableGlobalRegistry(true),
		goose.WithAllowOutofOrder(true),
		goose.WithGoMigrations(triggers...),
	)
}

// triggerMigrations turns <kind>_triggers/<version>_<name>.sql (one
// CREATE TRIGGER each) into Go migrations that run it, or do nothing on an
// engine without trigger support.
func triggerMigrations(kind Kind, o Options) ([]*goose.Migration, error) {
	dir := string(kind) + "_triggers"
	entries, err := fs.ReadDir(files, dir)
	if err != nil {
		return nil, err
	}
	var out []*goose.Migration
	for _, e := range entries {
		name := e.Name()
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.ParseInt(num, 10, 64)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s/%s: no version", dir, name)
		}
		body, err := fs.ReadFile(files, dir+"/"+name)
		if err != nil {
			return nil, err
		}
		stmt := string(body)
		// RunTx, not RunDB: the migrator holds one connection, and goose keeps
		// it while the migration runs. (MySQL commits the DDL on its own.)
		up := &goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
			if o.NoTriggers {
				return nil
			}
			_, err := tx.ExecContext(ctx, stmt)
			return err
		}}
		out = append(out, goose.NewGoMigration(v, up, nil))
	}
	return out, nil
}
