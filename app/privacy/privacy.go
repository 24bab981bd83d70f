// Package privacy looks after personal data at rest beyond sealing it:
// after the active pii key changes, it re-seals every stored value under
// the new key (HQ and every city, in batches, resumable); and it lets a
// city admin see a customer's phone for a dispute, each time audited with
// the reason.
//
// It imports app, tenants, gorm, app/pii, app/audit, app/outbox and
// app/booking (orders).
package privacy

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"doorstep/app"
	"doorstep/app/audit"
	"doorstep/app/booking"
	"doorstep/app/outbox"
	"doorstep/app/pii"
	"doorstep/tenants"
)

// Task types.
const (
	// TaskReseal re-seals the city's rows (the task's city), or HQ's when
	// the task has no city. ResealPayload.
	TaskReseal = "privacy:reseal"
	// TaskResealHQ is the periodic HQ run of the same work.
	TaskResealHQ = "privacy:reseal_hq"
)

// ResealPayload is the payload of the reseal tasks.
type ResealPayload struct {
	// Force scans tables again even when a full pass under the active key
	// finished recently (on demand; periodic runs leave them for a day).
	Force bool `json:"force"`
}

// sealedTable names a table's sealed columns (pii.Box ciphertext: the key
// id is the first byte) and, where there is one, its key id column.
type sealedTable struct {
	Table  string
	Cols   []string
	KeyCol string
}

var (
	hqTables   = []sealedTable{{Table: "accounts", Cols: []string{"phone_enc", "email_enc"}}}
	cityTables = []sealedTable{
		{Table: "customer_addresses", Cols: []string{"phone_enc", "address_enc"}, KeyCol: "key_id"},
		{Table: "orders", Cols: []string{"phone_enc", "address_enc"}},
		{Table: "merchants", Cols: []string{"contact_phone_enc"}},
		{Table: "merchant_applications", Cols: []string{"contact_phone_enc"}},
	}
)

// Deps are what the privacy service is built from.
type Deps struct {
	Reg     *tenants.Registry
	Box     *pii.Box
	Outbox  *outbox.Outbox
	Audit   *audit.Log
	Booking *booking.Service
	Log     *slog.Logger
}

// Service re-seals personal data and reveals it when allowed.
type Service struct {
	reg     *tenants.Registry
	box     *pii.Box
	out     *outbox.Outbox
	audit   *audit.Log
	booking *booking.Service
	log     *slog.Logger

	batch   int           // rows per batch
	budget  time.Duration // one run's work; then it queues its own continuation
	recheck time.Duration // a finished pass is not repeated by periodic runs for this long
}

// New builds the privacy service.
func New(d Deps) *Service {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	return &Service{reg: d.Reg, box: d.Box, out: d.Outbox, audit: d.Audit, booking: d.Booking, log: d.Log,
		batch: 500, budget: 2 * time.Minute, recheck: 24 * time.Hour}
}

// SetBatch changes the rows per batch (tests make it small to cross
// batches).
func (s *Service) SetBatch(n int) {
	if n > 0 {
		s.batch = n
	}
}

// TableReport is one table's share of a run.
type TableReport struct {
	Table    string `json:"table"`
	Resealed int64  `json:"resealed"`
	Failed   int64  `json:"failed" doc:"values no key of the ring opens (left as they are)"`
	Done     bool   `json:"done" doc:"a full pass under the active key is complete"`
	Skipped  bool   `json:"skipped" doc:"a full pass finished recently"`
}

// Report is what a run did in one schema (HQ or a city).
type Report struct {
	Scope     string        `json:"scope" doc:"hq or the city code"`
	ActiveKey int           `json:"active_key"`
	Tables    []TableReport `json:"tables"`
	Finished  bool          `json:"finished" doc:"false: the run stopped at its time budget; a continuation is queued"`
}

// progress is where a pass over a table stands, kept in the schema's
// settings table so a stopped run resumes.
type progress struct {
	Key    int        `json:"key"`
	After  int64      `json:"after"`
	DoneAt *time.Time `json:"done_at,omitempty"`
}

// scope is the schema a run works in.
type scope struct {
	name   string
	tables []sealedTable
	db     func(ctx context.Context) *gorm.DB
	table  func(ctx context.Context, name string) string
}

func (s *Service) scopeOf(ctx context.Context) scope {
	if c, ok := tenants.CityFrom(ctx); ok {
		return scope{name: c.Code, tables: cityTables, db: tenants.DB, table: tenants.Table}
	}
	return scope{name: "hq", tables: hqTables, db: s.reg.HQ, table: func(_ context.Context, n string) string { return s.reg.HQTable(n) }}
}

// HandleReseal runs TaskReseal and TaskResealHQ.
func (s *Service) HandleReseal(ctx context.Context, data []byte) error {
	var p ResealPayload
	if len(data) > 0 {
		if err := json.Unmarshal(data, &p); err != nil {
			return fmt.Errorf("reseal payload: %v: %w", err, app.ErrPermanent)
		}
	}
	rep, err := s.Reseal(ctx, p.Force)
	if err != nil {
		return err
	}
	if !rep.Finished {
		return s.queue(ctx, ResealPayload{Force: p.Force})
	}
	return nil
}

func (s *Service) queue(ctx context.Context, p ResealPayload) error {
	if _, ok := tenants.CityFrom(ctx); ok {
		return s.out.Add(ctx, TaskReseal, p)
	}
	return s.out.AddHQ(ctx, TaskReseal, p)
}

// Reseal re-seals, in ctx's city (or HQ without a city), every value
// sealed under a key other than the active one, in batches of rows by id.
// It is idempotent: a row is written only while it still holds the
// ciphertext that was read (a concurrent change wins), and rows already
// under the active key are never touched. It resumes where a stopped run
// left off.
func (s *Service) Reseal(ctx context.Context, force bool) (Report, error) {
	sc := s.scopeOf(ctx)
	active := int(s.box.ActiveKey())
	rep := Report{Scope: sc.name, ActiveKey: active, Tables: []TableReport{}, Finished: true}
	deadline := time.Now().Add(s.budget)
	for _, t := range sc.tables {
		tr, finished, err := s.resealTable(ctx, sc, t, active, force, deadline)
		rep.Tables = append(rep.Tables, tr)
		if err != nil {
			return rep, fmt.Errorf("reseal %s %s: %w", sc.name, t.Table, err)
		}
		if !finished {
			rep.Finished = false
			break
		}
	}
	if n := resealed(rep); n > 0 {
		s.log.Info("personal data re-sealed", "scope", sc.name, "key", active, "rows", n)
	}
	return rep, nil
}

func resealed(r Report) int64 {
	var n int64
	for _, t := range r.Tables {
		n += t.Resealed
	}
	return n
}

func progressName(table string) string { return "privacy.reseal." + table }

func (s *Service) readProgress(ctx context.Context, sc scope, table string) (progress, error) {
	var vals []string
	err := sc.db(ctx).Raw("SELECT value FROM "+sc.table(ctx, "settings")+" WHERE name = ?", progressName(table)).Scan(&vals).Error
	var p progress
	if err != nil || len(vals) == 0 {
		return p, err
	}
	_ = json.Unmarshal([]byte(vals[0]), &p)
	return p, nil
}

func (s *Service) saveProgress(ctx context.Context, sc scope, table string, p progress) error {
	b, _ := json.Marshal(p)
	return sc.db(ctx).Exec("INSERT INTO "+sc.table(ctx, "settings")+" (name, value, updated_at) VALUES (?, ?, ?)"+
		" ON DUPLICATE KEY UPDATE value = VALUES(value), updated_at = VALUES(updated_at)", progressName(table), string(b), time.Now().UTC()).Error
}

// staleFilter selects rows holding a value sealed under another key: its
// first byte, compared as hex (ASCII() of binary data is refused by the
// in-memory engine the demo runs on without MySQL).
func staleFilter(t sealedTable, active int) (string, []any) {
	var parts []string
	var args []any
	for _, c := range t.Cols {
		parts = append(parts, "("+c+" IS NOT NULL AND LENGTH("+c+") > 0 AND HEX("+c+") NOT LIKE ?)")
		args = append(args, fmt.Sprintf("%02X%%", active))
	}
	if t.KeyCol != "" {
		parts = append(parts, t.KeyCol+" <> ?")
		args = append(args, active)
	}
	return "(" + strings.Join(parts, " OR ") + ")", args
}

func (s *Service) resealTable(ctx context.Context, sc scope, t sealedTable, active int, force bool, deadline time.Time) (TableReport, bool, error) {
	tr := TableReport{Table: t.Table}
	p, err := s.readProgress(ctx, sc, t.Table)
	if err != nil {
		return tr, false, err
	}
	if p.Key == active && p.DoneAt != nil && !force && time.Since(*p.DoneAt) < s.recheck {
		tr.Done, tr.Skipped = true, true
		return tr, true, nil
	}
	after := int64(0)
	if p.Key == active && p.DoneAt == nil {
		after = p.After // resume an unfinished pass
	}
	filter, fargs := staleFilter(t, active)
	q := "SELECT id, " + strings.Join(t.Cols, ", ") + " FROM " + sc.table(ctx, t.Table) + " WHERE id > ? AND " + filter + " ORDER BY id LIMIT ?"
	for {
		rows, err := s.staleRows(ctx, sc, q, append(append([]any{after}, fargs...), s.batch), len(t.Cols))
		if err != nil {
			return tr, false, err
		}
		for _, r := range rows {
			ok, err := s.resealRow(ctx, sc, t, r, active)
			if err != nil {
				return tr, false, err
			}
			if ok {
				tr.Resealed++
			} else {
				tr.Failed++
			}
			after = r.id
		}
		if len(rows) < s.batch {
			now := time.Now().UTC()
			tr.Done = true
			return tr, true, s.saveProgress(ctx, sc, t.Table, progress{Key: active, DoneAt: &now})
		}
		if err := s.saveProgress(ctx, sc, t.Table, progress{Key: active, After: after}); err != nil {
			return tr, false, err
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return tr, false, nil
		}
	}
}

type staleRow struct {
	id   int64
	vals [][]byte
}

func (s *Service) staleRows(ctx context.Context, sc scope, q string, args []any, ncols int) ([]staleRow, error) {
	rs, err := sc.db(ctx).Raw(q, args...).Rows()
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []staleRow
	for rs.Next() {
		r := staleRow{vals: make([][]byte, ncols)}
		dest := []any{&r.id}
		for i := range r.vals {
			dest = append(dest, &r.vals[i])
		}
		if err := rs.Scan(dest...); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rs.Err()
}

// resealRow seals the row's stale values under the active key. It reports
// false when a value opens under no key of the ring (left as it is).
func (s *Service) resealRow(ctx context.Context, sc scope, t sealedTable, r staleRow, active int) (bool, error) {
	var sets, conds []string
	var setArgs, condArgs []any
	for i, c := range t.Cols {
		ct := r.vals[i]
		if len(ct) == 0 || int(ct[0]) == active {
			continue
		}
		plain, err := s.box.Open(ct)
		if err != nil {
			s.log.Warn("reseal: a value opens under no key of the ring; left as it is", "scope", sc.name, "table", t.Table, "id", r.id, "column", c, "key", int(ct[0]))
			return false, nil
		}
		sets = append(sets, c+" = ?")
		setArgs = append(setArgs, s.box.Seal(plain))
		conds = append(conds, c+" = ?")
		condArgs = append(condArgs, ct)
	}
	if t.KeyCol != "" {
		sets = append(sets, t.KeyCol+" = ?")
		setArgs = append(setArgs, active)
	}
	if len(sets) == 0 {
		return true, nil
	}
	q := "UPDATE " + sc.table(ctx, t.Table) + " SET " + strings.Join(sets, ", ") + " WHERE id = ?"
	args := append(setArgs, r.id)
	if len(conds) > 0 {
		q += " AND " + strings.Join(conds, " AND ")
		args = append(args, condArgs...)
	}
	if err := sc.db(ctx).Exec(q, args...).Error; err != nil {
		return false, err
	}
	return true, nil
}

// Queued says where an on-demand re-seal was queued.
type Queued struct {
	ActiveKey int            `json:"active_key"`
	Queued    []string       `json:"queued" doc:"hq and city codes"`
	Failed    []ScopeFailure `json:"failed"`
}

// ScopeFailure is a schema that could not be reached.
type ScopeFailure struct {
	Scope string `json:"scope"`
	Error string `json:"error"`
}

// QueueAll queues a re-seal of HQ and of every city now (through each
// schema's outbox, so nothing is lost while the queue is down).
func (s *Service) QueueAll(ctx context.Context) (Queued, error) {
	out := Queued{ActiveKey: int(s.box.ActiveKey()), Queued: []string{}, Failed: []ScopeFailure{}}
	if err := s.out.AddHQ(ctx, TaskReseal, ResealPayload{Force: true}); err != nil {
		return out, err
	}
	out.Queued = append(out.Queued, "hq")
	var mu sync.Mutex
	errs := s.reg.ForEachCity(ctx, s.reg.Cities(), 8, func(ctx context.Context, c *tenants.City) error {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if err := s.out.Add(cctx, TaskReseal, ResealPayload{Force: true}); err != nil {
			return err
		}
		mu.Lock()
		out.Queued = append(out.Queued, c.Code)
		mu.Unlock()
		return nil
	})
	for code, err := range errs {
		s.log.Warn("reseal: could not queue a city", "city", code, "err", err)
		out.Failed = append(out.Failed, ScopeFailure{Scope: code, Error: "unreachable"})
	}
	sort.Strings(out.Queued[1:])
	sort.Slice(out.Failed, func(i, j int) bool { return out.Failed[i].Scope < out.Failed[j].Scope })
	s.audit.Record(ctx, "privacy.reseal", "key", fmt.Sprint(out.ActiveKey), "ok", map[string]any{"queued": len(out.Queued), "failed": len(out.Failed)})
	return out, nil
}

// Status counts, per schema and table, the rows still holding a value
// sealed under another key than the active one: when every count is 0 and
// the outboxes have drained, old keys may leave the ring.
type Status struct {
	ActiveKey int                         `json:"active_key"`
	Stale     map[string]map[string]int64 `json:"stale" doc:"scope (hq or city code) -> table -> rows"`
	Total     int64                       `json:"total"`
	Failed    []ScopeFailure              `json:"failed"`
}

// Status counts what is left to re-seal (HQ and every city).
func (s *Service) Status(ctx context.Context) (Status, error) {
	active := int(s.box.ActiveKey())
	st := Status{ActiveKey: active, Stale: map[string]map[string]int64{}, Failed: []ScopeFailure{}}
	count := func(ctx context.Context) (map[string]int64, error) {
		sc := s.scopeOf(ctx)
		out := map[string]int64{}
		for _, t := range sc.tables {
			filter, args := staleFilter(t, active)
			var n int64
			if err := sc.db(ctx).Raw("SELECT COUNT(*) FROM "+sc.table(ctx, t.Table)+" WHERE "+filter, args...).Scan(&n).Error; err != nil {
				return nil, err
			}
			out[t.Table] = n
		}
		return out, nil
	}
	hq, err := count(ctx)
	if err != nil {
		return st, err
	}
	st.Stale["hq"] = hq
	var mu sync.Mutex
	errs := s.reg.ForEachCity(ctx, s.reg.Cities(), 8, func(ctx context.Context, c *tenants.City) error {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		m, err := count(cctx)
		if err != nil {
			return err
		}
		mu.Lock()
		st.Stale[c.Code] = m
		mu.Unlock()
		return nil
	})
	for code, err := range errs {
		s.log.Warn("reseal status: a city is left out", "city", code, "err", err)
		st.Failed = append(st.Failed, ScopeFailure{Scope: code, Error: "unreachable"})
	}
	sort.Slice(st.Failed, func(i, j int) bool { return st.Failed[i].Scope < st.Failed[j].Scope })
	for _, m := range st.Stale {
		for _, n := range m {
			st.Total += n
		}
	}
	return st, nil
}

// RevealInput is a city admin's request to see a customer's phone.
type RevealInput struct {
	Reason string `json:"reason" validate:"required,min=5,max=200" doc:"why (a dispute, a complaint): kept in the audit log"`
}

// Contact is the customer's contact on one order, in clear.
type Contact struct {
	OrderID     int64     `json:"order_id"`
	OrderNo     string    `json:"order_no"`
	ContactName string    `json:"contact_name"`
	Phone       string    `json:"phone" doc:"in clear: this answer is audited"`
	RevealedAt  time.Time `json:"revealed_at"`
}

// Errors.
var ErrReasonRequired = app.E(app.KindInvalid, "reason_required", "give the reason for seeing this customer's phone (5 to 200 characters)")

// RevealContact shows a city admin the customer's phone on one order of
// their city, for a dispute. Every reveal is audited with its reason.
func (s *Service) RevealContact(ctx context.Context, orderID int64, in RevealInput) (Contact, error) {
	a, err := app.MustActor(ctx)
	if err != nil {
		return Contact{}, err
	}
	c, err := tenants.MustCity(ctx)
	if err != nil {
		return Contact{}, err
	}
	if a.Role != app.RoleCityAdmin || a.Scope != c.Domain() {
		return Contact{}, app.ErrForbidden
	}
	reason := strings.TrimSpace(in.Reason)
	if n := utf8.RuneCountInString(reason); n < 5 || n > 200 {
		return Contact{}, ErrReasonRequired
	}
	o, err := s.booking.Get(ctx, orderID)
	if err != nil {
		return Contact{}, err
	}
	phone, err := s.box.Open(o.PhoneEnc)
	if err != nil {
		return Contact{}, fmt.Errorf("open phone of order %d: %w", o.ID, err)
	}
	s.audit.Record(ctx, "personal_data.reveal", "order", fmt.Sprint(o.ID), "ok",
		map[string]any{"fields": []string{"phone"}, "reason": reason, "order_no": o.OrderNo})
	return Contact{OrderID: o.ID, OrderNo: o.OrderNo, ContactName: o.ContactName, Phone: phone, RevealedAt: time.Now().UTC()}, nil
}
