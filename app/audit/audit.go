// Package audit keeps the append-only record of who did what to what, from
// where: sign-ins and failures, permission denials, role and policy changes,
// status changes, arbitration, refunds, payouts and reveals of personal data.
// Rows live in the HQ schema; the application only ever inserts them.
package audit

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"doorstep/app"
	"doorstep/tenants"
)

// Entry is one audit row.
type Entry struct {
	ID         int64     `json:"id" gorm:"primaryKey"`
	At         time.Time `json:"at"`
	ActorID    int64     `json:"actor_id"`
	ActorRole  string    `json:"actor_role"`
	Scope      string    `json:"scope"`
	City       string    `json:"city"`
	Action     string    `json:"action"`
	TargetType string    `json:"target_type"`
	TargetID   string    `json:"target_id"`
	Outcome    string    `json:"outcome"`
	IP         string    `json:"ip"`
	RequestID  string    `json:"request_id"`
	Detail     string    `json:"detail,omitempty"`
}

// Log writes audit rows.
type Log struct {
	reg *tenants.Registry
	log *slog.Logger
}

// New returns the audit log.
func New(reg *tenants.Registry, log *slog.Logger) *Log { return &Log{reg: reg, log: log} }

// Record writes one row, filling actor, city and request from ctx. Detail is
// marshalled to JSON; it must never hold secrets, codes or unmasked personal
// data. A failure to record is logged, not returned: the audited action has
// already happened and must not be reported as failed.
func (l *Log) Record(ctx context.Context, action, targetType, targetID, outcome string, detail any) {
	e := Entry{At: time.Now().UTC(), Action: action, TargetType: targetType, TargetID: targetID, Outcome: outcome}
	if a, ok := app.ActorFrom(ctx); ok {
		e.ActorID, e.ActorRole, e.Scope, e.IP, e.RequestID = a.AccountID, a.Role, a.Scope, a.IP, a.RequestID
	}
	if c, ok := tenants.CityFrom(ctx); ok {
		e.City = c.Code
	}
	if detail != nil {
		b, _ := json.Marshal(detail)
		e.Detail = string(b)
	}
	if e.Outcome == "" {
		e.Outcome = "ok"
	}
	if err := l.reg.HQ(context.WithoutCancel(ctx)).Table(l.reg.HQTable("audit_log")).Create(&e).Error; err != nil {
		l.log.Error("audit write failed", "action", action, "err", err)
	}
}

// Filter selects audit rows.
type Filter struct {
	City    string
	Action  string
	ActorID int64
	From    time.Time
	To      time.Time
	app.Page
}

// List returns audit rows newest first. City "" means every city (HQ only;
// the caller enforces who may ask for what).
func (l *Log) List(ctx context.Context, f Filter) (app.List[Entry], error) {
	q := l.reg.HQ(ctx).Table(l.reg.HQTable("audit_log"))
	if f.City != "" {
		q = q.Where("city = ?", f.City)
	}
	if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	if f.ActorID != 0 {
		q = q.Where("actor_id = ?", f.ActorID)
	}
	if !f.From.IsZero() {
		q = q.Where("at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("at < ?", f.To.UTC())
	}
	var cur struct{ ID int64 }
	if err := app.DecodeCursor(f.Cursor, &cur); err != nil {
		return app.List[Entry]{}, err
	}
	if cur.ID > 0 {
		q = q.Where("id < ?", cur.ID)
	}
	n := f.Size()
	var rows []Entry
	if err := q.Order("id DESC").Limit(n + 1).Find(&rows).Error; err != nil {
		return app.List[Entry]{}, err
	}
	out := app.List[Entry]{Items: rows}
	if len(rows) > n {
		out.Items = rows[:n]
		out.NextCursor = app.EncodeCursor(struct{ ID int64 }{rows[n-1].ID})
	}
	return out, nil
}
