package tenants

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-sql-driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/schema"
)

type cityKey struct{}
type cityTxKey struct{}
type hqTxKey struct{}

type cityTx struct {
	schema string
	tx     *gorm.DB
}

// WithCity returns ctx bound to a city: DB and WithTx then reach its schema.
func WithCity(ctx context.Context, c *City) context.Context {
	return context.WithValue(ctx, cityKey{}, c)
}

// CityFrom returns the city bound to ctx.
func CityFrom(ctx context.Context) (*City, bool) {
	c, ok := ctx.Value(cityKey{}).(*City)
	return c, ok
}

// ErrNoCity means code asked for a city-scoped handle with no city in ctx:
// a wiring mistake, never a client's.
var ErrNoCity = errors.New("tenants: no city in context")

// MustCity returns the city in ctx or ErrNoCity.
func MustCity(ctx context.Context) (*City, error) {
	c, ok := CityFrom(ctx)
	if !ok {
		return nil, ErrNoCity
	}
	return c, nil
}

// DB returns the city-scoped handle for ctx's city: the transaction open in
// ctx for that same city, or the city's root handle. It panics without a
// city, which only wiring code can cause.
func DB(ctx context.Context) *gorm.DB {
	c, ok := CityFrom(ctx)
	if !ok {
		panic(ErrNoCity)
	}
	if t, ok := ctx.Value(cityTxKey{}).(cityTx); ok && t.schema == c.Schema {
		return t.tx.WithContext(ctx)
	}
	return c.db.WithContext(ctx)
}

// Table qualifies a city table for raw SQL and join clauses that GORM's
// naming strategy does not reach: "`schema`.`name`".
func Table(ctx context.Context, name string) string {
	c, ok := CityFrom(ctx)
	if !ok {
		panic(ErrNoCity)
	}
	return "`" + c.Schema + "`.`" + name + "`"
}

// WithTx runs fn in one transaction on ctx's city, reusing an outer one for
// the same city. On deadlock or lock-wait timeout the whole of fn is run
// again (at most 4 times), so fn must only touch the database.
func WithTx(ctx context.Context, fn func(ctx context.Context) error) error {
	c, ok := CityFrom(ctx)
	if !ok {
		return ErrNoCity
	}
	if t, ok := ctx.Value(cityTxKey{}).(cityTx); ok && t.schema == c.Schema {
		return fn(ctx)
	}
	actx, after, owner := withAfter(ctx)
	err := retry(ctx, func() error {
		after.fns = after.fns[:0]
		return c.db.WithContext(actx).Transaction(func(tx *gorm.DB) error {
			return fn(context.WithValue(actx, cityTxKey{}, cityTx{schema: c.Schema, tx: tx}))
		})
	})
	if err == nil && owner {
		for _, f := range after.fns {
			f()
		}
	}
	return err
}

// InTx reports whether ctx carries an open transaction for its city.
func InTx(ctx context.Context) bool {
	c, ok := CityFrom(ctx)
	if !ok {
		return false
	}
	t, ok := ctx.Value(cityTxKey{}).(cityTx)
	return ok && t.schema == c.Schema
}

const maxAttempts = 4

func retry(ctx context.Context, fn func() error) error {
	var err error
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		err = fn()
		if err == nil || !Retryable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(attempt*attempt) * 3 * time.Millisecond):
		}
	}
	return fmt.Errorf("gave up after %d attempts: %w", maxAttempts, err)
}

// Retryable tells whether err is a deadlock (1213) or lock wait timeout
// (1205): the transaction was rolled back and may simply run again.
func Retryable(err error) bool {
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number == 1213 || me.Number == 1205
	}
	return false
}

// IsDuplicate tells whether err is a unique-key violation.
func IsDuplicate(err error) bool {
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return true
	}
	var me *mysql.MySQLError
	return errors.As(err, &me) && me.Number == 1062
}

// TableName names a model's table exactly (no pluralizing) under the schema
// of the handle in use. Models whose table name GORM would not derive
// ("staff", "staff_days_off") implement TableName(schema.Namer) with it.
func TableName(n schema.Namer, table string) string {
	if ns, ok := n.(schema.NamingStrategy); ok {
		return ns.TablePrefix + table
	}
	return n.TableName(table)
}
