package city

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"doorstep/app"
	"doorstep/migrations"
	"doorstep/tenants"
)

// Moving a city to another placement (README, "Beyond one machine"):
//
//  1. claim the move (one at a time per city), create the schema on the
//     target placement and run the migrations;
//  2. copy every table while the city still books: stream the rows of a
//     consistent snapshot of the source, insert them in batches, and
//     compare row count and checksum of snapshot and target;
//  3. pause bookings in that city only (cities.bookings_paused = 1;
//     booking answers 503 bookings_paused) and tell every copy; drain:
//     wait for in-flight writes and for other copies to hear;
//  4. copy again each table the source changed since its copy (jobs and
//     payment notices still write), until the source holds still: at most
//     five rounds, else the move fails;
//  5. retire the source: rename its tables in place (suffix __moved), which
//     waits for open transactions and makes any later write through the old
//     placement fail (and be retried) instead of landing where nobody reads;
//     copy what the last transactions changed;
//  6. switch the registry entry (cities.placement), reload, tell the copies;
//  7. drain again, then resume bookings;
//  8. keep the old schema, its tables renamed (or drop it when asked).
//
// Any failure before the switch undoes the move: the source tables get
// their names back, the target schema is dropped, bookings resume.

// Move steps, reported as the move goes.
const (
	StepPaused    = "paused"
	StepDraining  = "draining"
	StepCreating  = "creating"
	StepCopying   = "copying"
	StepCopied    = "copied"
	StepVerifying = "verifying"
	StepRetiring  = "retiring"
	StepSwitching = "switching"
	StepResuming  = "resuming"
	StepDone      = "done"
)

// Move statuses.
const (
	MoveRunning = "running"
	MoveDone    = "done"
	MoveFailed  = "failed"
)

// Errors of a move.
var (
	ErrSamePlacement  = app.E(app.KindConflict, "already_on_placement", "the city is on that placement already")
	ErrMoveInProgress = app.E(app.KindConflict, "move_in_progress", "this city is being moved; wait for the move to finish")
	ErrTargetExists   = app.E(app.KindConflict, "target_schema_exists", "the target placement holds a schema of this city already (an old copy?); drop it first")
	ErrMoveFailed     = app.E(app.KindUnavailable, "move_failed", "the move failed and was undone: the city stays where it was")
)

// MoveInput asks to move a city to another placement.
type MoveInput struct {
	Placement  string `json:"placement" validate:"required,max=64" doc:"a placement named in the configuration of every running copy"`
	DropSource bool   `json:"drop_source" doc:"drop the old schema once the city runs on the new placement (default: keep it)"`
}

// TableCopy is what was copied of one table.
type TableCopy struct {
	Table    string `json:"table"`
	Rows     int64  `json:"rows"`
	Checksum string `json:"checksum" doc:"sum over rows of a hash of every column; equal on both sides"`
}

// MoveResult reports a finished move.
type MoveResult struct {
	City           string      `json:"city"`
	From           string      `json:"from"`
	To             string      `json:"to"`
	Tables         []TableCopy `json:"tables"`
	Rows           int64       `json:"rows"`
	Rounds         int         `json:"rounds" doc:"copy passes: tables the source changed during the copy are copied again"`
	PausedMillisec int64       `json:"paused_ms" doc:"how long bookings were paused"`
	SourceDropped  bool        `json:"source_dropped" doc:"else the old schema stays, its tables renamed with the suffix __moved"`
	TookMillisec   int64       `json:"took_ms"`
}

// Move is one move as HQ records it.
type Move struct {
	ID            int64      `json:"id" gorm:"primaryKey"`
	City          string     `json:"city"`
	FromPlacement string     `json:"from_placement"`
	ToPlacement   string     `json:"to_placement"`
	Status        string     `json:"status" doc:"running | done | failed"`
	Step          string     `json:"step"`
	Detail        string     `json:"detail"`
	StartedBy     int64      `json:"started_by"`
	StartedAt     time.Time  `json:"started_at"`
	FinishedAt    *time.Time `json:"finished_at"`
	RunningCity   *string    `json:"-"` // the city while the move runs, then NULL (unique: one move at a time)
}

func (h *HQ) moves(ctx context.Context) *gorm.DB {
	return h.reg.HQ(ctx).Table(h.reg.HQTable("city_moves"))
}

// Moves lists a city's moves, newest first.
func (h *HQ) Moves(ctx context.Context, code string) ([]Move, error) {
	out := []Move{}
	err := h.moves(ctx).Where("city = ?", code).Order("id DESC").Limit(50).Find(&out).Error
	return out, err
}

func (h *HQ) changed(ctx context.Context) error {
	if err := h.reg.Load(ctx); err != nil {
		return err
	}
	if h.notify != nil {
		h.notify.CitiesChanged(ctx)
	}
	return nil
}

func (h *HQ) sleep(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(time.Duration(h.drain.Load())):
		return nil
	}
}

// setPaused sets the city's bookings_paused flag and tells every copy.
func (h *HQ) setPaused(ctx context.Context, id int64, paused bool) error {
	if err := h.reg.HQ(ctx).Model(&City{}).Where("id = ?", id).Updates(map[string]any{"bookings_paused": paused, "updated_at": time.Now().UTC()}).Error; err != nil {
		return err
	}
	return h.changed(ctx)
}

// Move moves a city to another placement (see the procedure above).
// progress (may be nil) hears each step as it starts; it runs inline, so
// the move waits for it.
func (h *HQ) Move(ctx context.Context, code string, in MoveInput, progress func(step, detail string)) (MoveResult, error) {
	start := time.Now()
	if progress == nil {
		progress = func(string, string) {}
	}
	code = strings.ToLower(strings.TrimSpace(code))
	to := strings.TrimSpace(in.Placement)
	c, err := h.moveTarget(ctx, code, to)
	if err != nil {
		return MoveResult{}, err
	}
	mv, err := h.claimMove(ctx, &c, to)
	if err != nil {
		return MoveResult{}, err
	}
	from, schema := c.Placement, c.SchemaName
	res := MoveResult{City: code, From: from, To: to, Tables: []TableCopy{}}
	var pausedAt time.Time
	created, paused, switched := false, false, false
	step := StepCreating
	mark := func(s, detail string) {
		step = s
		if err := h.moves(ctx).Where("id = ?", mv.ID).Update("step", s).Error; err != nil {
			h.log.Warn("city move: record step", "city", code, "err", err)
		}
		progress(s, detail)
	}
	retired := false
	var cp *schemaCopy
	fail := func(cause error) (MoveResult, error) {
		rctx := context.WithoutCancel(ctx)
		if retired && !switched {
			if err := cp.unretire(rctx); err != nil {
				h.log.Error("city move: could not give the source tables their names back; rename them by hand (drop the suffix "+retiredSuffix+")", "city", code, "err", err)
			}
		}
		if created && !switched {
			if err := h.reg.DropSchema(rctx, to, schema); err != nil {
				h.log.Error("city move: could not drop the half-made copy; drop it by hand", "city", code, "placement", to, "err", err)
			}
		}
		if paused {
			if err := h.setPaused(rctx, c.ID, false); err != nil {
				h.log.Error("city move: could not resume bookings; resume with another move or by hand", "city", code, "err", err)
			}
		}
		h.finishMove(rctx, mv.ID, MoveFailed, fmt.Sprintf("%s: %v", step, cause))
		h.log.Error("city move failed and was undone", "city", code, "from", from, "to", to, "step", step, "err", cause)
		h.audit.Record(rctx, "city.move", "city", code, "failed", map[string]any{"from": from, "to": to, "step": step})
		if app.KindOf(cause) != app.KindInternal {
			return res, cause
		}
		return res, ErrMoveFailed.WithMessage("the move failed while %s and was undone: %s stays on %s", step, code, from).Wrap(cause)
	}

	// An empty, migrated schema on the target first: the city keeps taking
	// bookings meanwhile.
	mark(StepCreating, schema+" on "+to)
	exists, err := h.schemaExists(ctx, to, schema)
	if err != nil {
		return fail(err)
	}
	if exists {
		return fail(ErrTargetExists)
	}
	if err := h.reg.CreateSchema(ctx, to, schema); err != nil {
		return fail(err)
	}
	created = true
	if _, err := (&Service{reg: h.reg, log: h.log}).MigrateSchema(ctx, to, schema, migrations.City); err != nil {
		return fail(err)
	}

	// A first copy while the city still runs: most tables do not change
	// meanwhile and need no second one.
	mark(StepCopying, "")
	cp, err = h.copySchema(ctx, from, to, schema, func(t TableCopy) { progress(StepCopied, fmt.Sprintf("%s %d rows", t.Table, t.Rows)) })
	if err != nil {
		return fail(err)
	}
	defer cp.close()

	paused, pausedAt = true, time.Now()
	if err := h.setPaused(ctx, c.ID, true); err != nil {
		return fail(err)
	}
	mark(StepPaused, "bookings paused in "+code)
	mark(StepDraining, time.Duration(h.drain.Load()).String())
	if err := h.sleep(ctx); err != nil {
		return fail(err)
	}
	// Paused and drained: copy again what changed since its copy, until the
	// source holds still and equals the target.
	mark(StepVerifying, "")
	rounds, err := cp.catchUp(ctx, catchUpRounds)
	if err != nil {
		return fail(err)
	}
	// Retire the source: its tables take another name in place, so any
	// write still aimed at them (a copy that has not heard, a job that
	// started before the pause) fails and is retried against the new
	// placement instead of landing where nobody reads. The rename waits for
	// open transactions on them to end. What the last of those wrote is
	// copied now; nothing else can write there any more.
	mark(StepRetiring, schema+" on "+from)
	if err := cp.retire(ctx); err != nil {
		return fail(err)
	}
	retired = true
	more, err := cp.catchUp(ctx, 1)
	if err != nil {
		return fail(err)
	}
	res.Rounds = rounds + more - 1

	mark(StepSwitching, from+" -> "+to)
	sw := h.reg.HQ(ctx).Model(&City{}).Where("id = ? AND placement = ?", c.ID, from).Updates(map[string]any{"placement": to, "updated_at": time.Now().UTC()})
	if sw.Error != nil {
		return fail(sw.Error)
	}
	if sw.RowsAffected != 1 {
		return fail(fmt.Errorf("the city's placement changed under the move"))
	}
	switched = true
	if err := h.changed(ctx); err != nil {
		h.log.Error("city move: switched, but reloading the city list failed; copies catch up on their own", "city", code, "err", err)
	}
	// Requests and jobs that picked up the old placement finish now.
	_ = h.sleep(context.WithoutCancel(ctx))

	mark(StepResuming, "")
	rctx := context.WithoutCancel(ctx)
	if err := h.setPaused(rctx, c.ID, false); err != nil {
		h.log.Error("city move: the city runs on the new placement but bookings are still paused; resume by hand", "city", code, "err", err)
		h.finishMove(rctx, mv.ID, MoveFailed, "resume: "+err.Error())
		return res, err
	}
	res.PausedMillisec = time.Since(pausedAt).Milliseconds()

	if in.DropSource {
		if err := h.reg.DropSchema(rctx, from, schema); err != nil {
			h.log.Error("city move: could not drop the old schema; drop it by hand", "city", code, "placement", from, "err", err)
		} else {
			res.SourceDropped = true
		}
	}
	for _, t := range cp.order {
		res.Tables = append(res.Tables, cp.copies[t.name])
		res.Rows += cp.copies[t.name].Rows
	}
	res.TookMillisec = time.Since(start).Milliseconds()
	h.finishMove(rctx, mv.ID, MoveDone, fmt.Sprintf("%d tables, %d rows, %d rounds, paused %d ms", len(res.Tables), res.Rows, res.Rounds, res.PausedMillisec))
	h.audit.Record(rctx, "city.move", "city", code, "ok", map[string]any{"from": from, "to": to, "rows": res.Rows, "paused_ms": res.PausedMillisec,
		"source_dropped": res.SourceDropped})
	mark(StepDone, fmt.Sprintf("%s now on %s", code, to))
	return res, nil
}

// moveTarget checks a move request and returns the city's HQ record.
func (h *HQ) moveTarget(ctx context.Context, code, to string) (City, error) {
	var c City
	if !tenants.ValidCode(code) {
		return c, ErrCityNotFound
	}
	err := h.reg.HQ(ctx).Where("code = ? AND status <> ?", code, statusProvisioning).Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return c, ErrCityNotFound
	}
	if err != nil {
		return c, err
	}
	if !h.reg.HasPlacement(to) {
		return c, ErrBadPlacement
	}
	if to == c.Placement {
		return c, ErrSamePlacement
	}
	if !h.reg.HasPlacement(c.Placement) {
		return c, ErrBadPlacement.WithMessage("the city's current placement %q is not configured here", c.Placement)
	}
	return c, nil
}

// claimMove records the move as running: the unique running_city key lets
// one move of a city run at a time. A move running longer than the move
// timeout is taken to be dead and taken over: its half-made copy is
// dropped when the city never switched to it, and a pause it left is
// lifted.
func (h *HQ) claimMove(ctx context.Context, c *City, to string) (Move, error) {
	for attempt := 0; ; attempt++ {
		code := c.Code
		mv := Move{City: c.Code, FromPlacement: c.Placement, ToPlacement: to, Status: MoveRunning, Step: StepCreating, StartedBy: actorID(ctx),
			StartedAt: time.Now().UTC(), RunningCity: &code}
		err := h.moves(ctx).Create(&mv).Error
		if err == nil {
			return mv, nil
		}
		if !tenants.IsDuplicate(err) || attempt > 0 {
			return Move{}, err
		}
		var last Move
		if err := h.moves(ctx).Where("running_city = ?", c.Code).Take(&last).Error; err != nil {
			return Move{}, err
		}
		if time.Since(last.StartedAt) < h.moveTimeout {
			return Move{}, ErrMoveInProgress
		}
		// Re-read: the dead move may have switched the city already.
		if err := h.reg.HQ(ctx).Where("id = ?", c.ID).Take(c).Error; err != nil {
			return Move{}, err
		}
		if c.Placement != last.ToPlacement && h.reg.HasPlacement(last.ToPlacement) && last.Step != StepCreating {
			if err := h.reg.DropSchema(ctx, last.ToPlacement, c.SchemaName); err != nil {
				return Move{}, err
			}
		}
		if c.BookingsPaused {
			if err := h.setPaused(ctx, c.ID, false); err != nil {
				return Move{}, err
			}
			c.BookingsPaused = false
		}
		h.finishMove(ctx, last.ID, MoveFailed, "taken over after "+h.moveTimeout.String()+" at step "+last.Step)
		if c.Placement == to {
			return Move{}, ErrSamePlacement
		}
	}
}

func (h *HQ) finishMove(ctx context.Context, id int64, status, detail string) {
	if len(detail) > 2000 {
		detail = detail[:2000]
	}
	now := time.Now().UTC()
	if err := h.moves(ctx).Where("id = ?", id).Updates(map[string]any{"status": status, "detail": detail, "finished_at": now, "running_city": nil}).Error; err != nil {
		h.log.Error("city move: record the end", "move", id, "err", err)
	}
}

func (h *HQ) schemaExists(ctx context.Context, placement, schema string) (bool, error) {
	names, err := h.reg.SchemasWithPrefix(ctx, placement, schema)
	if err != nil {
		return false, err
	}
	for _, n := range names {
		if n == schema {
			return true, nil
		}
	}
	return false, nil
}

// ---- copying ----

// gooseTable is the migrator's bookkeeping: the target has its own.
const gooseTable = "goose_db_version"

type tableInfo struct {
	name string
	cols []string
}

type tableSum struct {
	Rows int64
	Sum  string
}

// schemaCopy is a copy in progress from one placement to another.
type schemaCopy struct {
	h      *HQ
	src    *sql.DB   // the source placement's shared pool
	dst    *sql.Conn // one connection to the target schema
	schema string
	suffix string // "" until the source tables are retired
	order  []tableInfo
	copies map[string]TableCopy
	report func(TableCopy)
	close  func()
}

func quote(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

// tables lists a schema's tables and their stored columns in order.
func tables(ctx context.Context, db *sql.DB, schema string) ([]tableInfo, error) {
	rows, err := db.QueryContext(ctx, "SELECT c.table_name, c.column_name FROM information_schema.columns c JOIN information_schema.tables t"+
		" ON t.table_schema = c.table_schema AND t.table_name = c.table_name"+
		" WHERE c.table_schema = ? AND t.table_type = 'BASE TABLE' AND c.extra NOT LIKE '%GENERATED%' AND c.extra NOT IN ('VIRTUAL', 'PERSISTENT')"+
		" ORDER BY c.table_name, c.ordinal_position", schema)
	if err != nil {
		return nil, fmt.Errorf("list tables of %s: %w", schema, err)
	}
	defer rows.Close()
	var out []tableInfo
	for rows.Next() {
		var t, c string
		if err := rows.Scan(&t, &c); err != nil {
			return nil, err
		}
		if t == gooseTable {
			continue
		}
		if len(out) == 0 || out[len(out)-1].name != t {
			out = append(out, tableInfo{name: t})
		}
		out[len(out)-1].cols = append(out[len(out)-1].cols, c)
	}
	return out, rows.Err()
}

// checksumSQL sums, over all rows, the first 60 bits of an MD5 of every
// column (with a NULL map, so NULL and an empty value differ). Both servers compute it
// the same way from the same values.
func checksumSQL(table string, cols []string) string {
	vals := make([]string, len(cols))
	nulls := make([]string, len(cols))
	for i, c := range cols {
		vals[i] = quote(c)
		nulls[i] = "ISNULL(" + quote(c) + ")"
	}
	row := "MD5(CONCAT_WS('|', " + strings.Join(vals, ", ") + ", CONCAT(" + strings.Join(nulls, ", ") + ")))"
	return "SELECT COUNT(*), CAST(COALESCE(SUM(CAST(CONV(LEFT(" + row + ", 15), 16, 10) AS UNSIGNED)), 0) AS CHAR) FROM " + table
}

type rowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func checksum(ctx context.Context, db rowQuerier, table string, cols []string) (tableSum, error) {
	var s tableSum
	if err := db.QueryRowContext(ctx, checksumSQL(table, cols)).Scan(&s.Rows, &s.Sum); err != nil {
		return s, fmt.Errorf("checksum %s: %w", table, err)
	}
	return s, nil
}

// copySchema copies every table of schema from one placement to the other
// (whose schema is migrated and empty but for seed rows).
func (h *HQ) copySchema(ctx context.Context, from, to, schema string, report func(TableCopy)) (*schemaCopy, error) {
	src := h.reg.Pool(from)
	dsn, err := h.reg.SchemaDSN(to, schema)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	dst, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to %s: %w", to, err)
	}
	var once sync.Once
	cp := &schemaCopy{h: h, src: src, dst: dst, schema: schema, copies: map[string]TableCopy{}, report: report,
		close: func() { once.Do(func() { dst.Close(); db.Close() }) }}
	ok := false
	defer func() {
		if !ok {
			cp.close()
		}
	}()
	// Rows keep their ids: an id of 0 must not mean "the next one".
	if _, err := dst.ExecContext(ctx, "SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',NO_AUTO_VALUE_ON_ZERO'), SESSION foreign_key_checks = 0"); err != nil {
		return nil, err
	}
	srcTables, err := tables(ctx, src, schema)
	if err != nil {
		return nil, err
	}
	dstTables, err := tables(ctx, h.reg.Pool(to), schema)
	if err != nil {
		return nil, err
	}
	if err := sameShape(srcTables, dstTables); err != nil {
		return nil, err
	}
	cp.order = srcTables
	for _, t := range srcTables {
		if err := cp.table(ctx, t); err != nil {
			return nil, err
		}
	}
	ok = true
	return cp, nil
}

// sameShape refuses a copy between schemas of different versions: the
// source must be migrated as far as the target (doorstep migrate).
func sameShape(src, dst []tableInfo) error {
	if len(src) != len(dst) {
		return fmt.Errorf("the source schema has %d tables, a freshly migrated one %d: run `doorstep migrate` first", len(src), len(dst))
	}
	for i := range src {
		if src[i].name != dst[i].name || strings.Join(src[i].cols, ",") != strings.Join(dst[i].cols, ",") {
			return fmt.Errorf("table %s differs between the source and a freshly migrated schema: run `doorstep migrate` first", src[i].name)
		}
	}
	return nil
}

// catchUpRounds bounds the copies again under the pause: a city whose
// tables keep changing this long is not moved.
const catchUpRounds = 5

// copyBatchRows and copyBatchBytes bound one INSERT.
const (
	copyBatchRows  = 500
	copyBatchBytes = 1 << 20
)

// table copies one table from a consistent snapshot of the source and
// checks that the target holds exactly that snapshot.
func (cp *schemaCopy) table(ctx context.Context, t tableInfo) error {
	conn, err := cp.src.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY"); err != nil {
		return err
	}
	defer func() { _, _ = conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK") }()
	qualified := quote(cp.schema) + "." + quote(t.name+cp.suffix)
	want, err := checksum(ctx, conn, qualified, t.cols)
	if err != nil {
		return err
	}
	var some int
	switch err := cp.dst.QueryRowContext(ctx, "SELECT 1 FROM "+quote(t.name)+" LIMIT 1").Scan(&some); {
	case err == nil: // seed rows or an earlier copy: start empty
		if _, err := cp.dst.ExecContext(ctx, "TRUNCATE TABLE "+quote(t.name)); err != nil {
			return fmt.Errorf("empty %s on the target: %w", t.name, err)
		}
	case !errors.Is(err, sql.ErrNoRows):
		return err
	}
	cols := make([]string, len(t.cols))
	for i, c := range t.cols {
		cols[i] = quote(c)
	}
	colList := strings.Join(cols, ", ")
	if want.Rows == 0 {
		return cp.done(ctx, conn, t, want)
	}
	rows, err := conn.QueryContext(ctx, "SELECT "+colList+" FROM "+qualified)
	if err != nil {
		return fmt.Errorf("read %s: %w", t.name, err)
	}
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	var args []any
	n, size := 0, 0
	flush := func() error {
		if n == 0 {
			return nil
		}
		q := "INSERT INTO " + quote(t.name) + " (" + colList + ") VALUES " + strings.TrimSuffix(strings.Repeat(one+", ", n), ", ")
		if _, err := cp.dst.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("write %s: %w", t.name, err)
		}
		args, n, size = args[:0], 0, 0
		return nil
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			rows.Close()
			return fmt.Errorf("read %s: %w", t.name, err)
		}
		for _, v := range vals {
			if b, ok := v.([]byte); ok {
				size += len(b)
			}
			args = append(args, v)
		}
		n++
		if n >= copyBatchRows || size >= copyBatchBytes {
			if err := flush(); err != nil {
				rows.Close()
				return err
			}
		}
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return fmt.Errorf("read %s: %w", t.name, err)
	}
	rows.Close()
	if err := flush(); err != nil {
		return err
	}
	got, err := checksum(ctx, cp.dst, quote(t.name), t.cols)
	if err != nil {
		return err
	}
	if got != want {
		return fmt.Errorf("table %s: the target holds %d rows (checksum %s), the source %d (checksum %s)", t.name, got.Rows, got.Sum, want.Rows, want.Sum)
	}
	return cp.done(ctx, conn, t, want)
}

// done finishes a table's copy: ids go on where the source's would have
// (rows deleted at the end included), so an id is never handed out twice.
func (cp *schemaCopy) done(ctx context.Context, conn *sql.Conn, t tableInfo, want tableSum) error {
	var next, have sql.NullInt64
	q := "SELECT auto_increment FROM information_schema.tables WHERE table_schema = ? AND table_name = ?"
	if err := conn.QueryRowContext(ctx, q, cp.schema, t.name+cp.suffix).Scan(&next); err != nil {
		return err
	}
	if err := cp.dst.QueryRowContext(ctx, q, cp.schema, t.name).Scan(&have); err != nil {
		return err
	}
	if next.Valid && have.Valid && next.Int64 > have.Int64 {
		if _, err := cp.dst.ExecContext(ctx, fmt.Sprintf("ALTER TABLE %s AUTO_INCREMENT = %d", quote(t.name), next.Int64)); err != nil {
			return fmt.Errorf("set the next id of %s: %w", t.name, err)
		}
	}
	tc := TableCopy{Table: t.name, Rows: want.Rows, Checksum: want.Sum}
	cp.copies[t.name] = tc
	if cp.report != nil {
		cp.report(tc)
	}
	return nil
}

// changedSince lists the tables whose source no longer matches the copy.
func (cp *schemaCopy) changedSince(ctx context.Context) ([]tableInfo, error) {
	var out []tableInfo
	for _, t := range cp.order {
		s, err := checksum(ctx, cp.src, quote(cp.schema)+"."+quote(t.name+cp.suffix), t.cols)
		if err != nil {
			return nil, err
		}
		if c := cp.copies[t.name]; s.Rows != c.Rows || s.Sum != c.Checksum {
			out = append(out, t)
		}
	}
	return out, nil
}

// catchUp copies again the tables the source changed since their copy,
// until none changed (the target then equals the source), at most max
// more rounds. It returns the number of passes made in all.
func (cp *schemaCopy) catchUp(ctx context.Context, max int) (int, error) {
	for round := 1; ; round++ {
		changed, err := cp.changedSince(ctx)
		if err != nil {
			return round, err
		}
		if len(changed) == 0 {
			return round, nil
		}
		if round > max {
			names := make([]string, len(changed))
			for i, t := range changed {
				names[i] = t.name
			}
			return round, fmt.Errorf("tables kept changing during the copy: %s", strings.Join(names, ", "))
		}
		if round > 1 {
			// Still moving: let the work that writes settle a moment.
			select {
			case <-ctx.Done():
				return round, ctx.Err()
			case <-time.After(time.Duration(round) * 100 * time.Millisecond):
			}
		}
		for _, t := range changed {
			if err := cp.table(ctx, t); err != nil {
				return round, err
			}
		}
	}
}

// retiredSuffix is added to the names of a moved city's old tables.
const retiredSuffix = "__moved"

// retireTimeout bounds the wait of the rename for open transactions.
const retireTimeout = 10 * time.Second

// retire renames every copied table of the source in place (one atomic
// statement; renaming into another schema is refused for tables with
// triggers): code that still uses the old placement then fails instead of
// writing where nobody will read.
func (cp *schemaCopy) retire(ctx context.Context) error {
	return cp.rename(ctx, "", retiredSuffix)
}

// unretire gives the source tables their names back (a move undone).
func (cp *schemaCopy) unretire(ctx context.Context) error {
	return cp.rename(ctx, retiredSuffix, "")
}

func (cp *schemaCopy) rename(ctx context.Context, from, to string) error {
	conn, err := cp.src.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	parts := make([]string, len(cp.order))
	for i, t := range cp.order {
		parts[i] = quote(cp.schema) + "." + quote(t.name+from) + " TO " + quote(cp.schema) + "." + quote(t.name+to)
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("SET SESSION lock_wait_timeout = %d", int(retireTimeout.Seconds()))); err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, "RENAME TABLE "+strings.Join(parts, ", "))
	// the connection goes back to the pool: give it the server's default again
	_, _ = conn.ExecContext(context.WithoutCancel(ctx), "SET SESSION lock_wait_timeout = DEFAULT")
	if err != nil {
		return fmt.Errorf("rename the source tables: %w", err)
	}
	cp.suffix = to
	return nil
}
