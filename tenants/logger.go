package tenants

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// gormLogger sends slow queries and real errors to slog. It never logs the
// SQL's bound values (they may hold phone numbers or codes), only the
// statement's first characters.
type gormLogger struct {
	log  *slog.Logger
	slow time.Duration
}

func newGormLogger(l *slog.Logger, slow time.Duration) logger.Interface {
	if slow <= 0 {
		slow = 500 * time.Millisecond
	}
	return gormLogger{log: l, slow: slow}
}

func (g gormLogger) LogMode(logger.LogLevel) logger.Interface                   { return g }
func (g gormLogger) Info(context.Context, string, ...interface{})               {}
func (g gormLogger) Warn(ctx context.Context, msg string, args ...interface{})  {}
func (g gormLogger) Error(ctx context.Context, msg string, args ...interface{}) {}
func (g gormLogger) ParamsFilter(ctx context.Context, sql string, params ...interface{}) (string, []interface{}) {
	return sql, nil
}

func (g gormLogger) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	elapsed := time.Since(begin)
	switch {
	case err != nil && !errors.Is(err, gorm.ErrRecordNotFound) && !errors.Is(err, context.Canceled) && !IsDuplicate(err):
		sql, _ := fc()
		g.log.LogAttrs(ctx, slog.LevelWarn, "sql error", slog.String("sql", head(sql)), slog.String("err", err.Error()), slog.Duration("took", elapsed))
	case elapsed > g.slow:
		sql, rows := fc()
		g.log.LogAttrs(ctx, slog.LevelWarn, "slow sql", slog.String("sql", head(sql)), slog.Int64("rows", rows), slog.Duration("took", elapsed))
	}
}

// head keeps a statement's shape up to its first value-bearing clause: GORM's
// explain text has the values interpolated, and they may be personal data.
func head(s string) string {
	for _, kw := range []string{" WHERE ", " VALUES ", " SET ", " VALUES("} {
		if i := strings.Index(s, kw); i >= 0 {
			s = s[:i+len(kw)] + "…"
			break
		}
	}
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return s
}
