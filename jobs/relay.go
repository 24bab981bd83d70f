package jobs

import (
	"context"
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/hibiken/asynq"

	"doorstep/app/outbox"
	"doorstep/tenants"
)

// Relay moves committed outbox rows of every schema into the queue. The row
// id (with its schema) is the task id and tasks are retained for a day after
// they finish, so a row handed over twice (a crash between enqueue and
// marking, two relays at once) still runs once.
type Relay struct {
	reg    *tenants.Registry
	q      *Enqueuer
	log    *slog.Logger
	nudges chan string
	sweep  time.Duration
	batch  int
}

// NewRelay builds a relay; sweep is how often every schema is checked even
// without a nudge (the backstop after Redis was down or another copy wrote).
func NewRelay(reg *tenants.Registry, q *Enqueuer, sweep time.Duration, log *slog.Logger) *Relay {
	if sweep <= 0 {
		sweep = 2 * time.Second
	}
	return &Relay{reg: reg, q: q, log: log, nudges: make(chan string, 1024), sweep: sweep, batch: 200}
}

// Nudge asks the relay to look at a schema soon. It never blocks.
func (r *Relay) Nudge(schema string) {
	select {
	case r.nudges <- schema:
	default:
	}
}

// Run relays until ctx ends.
func (r *Relay) Run(ctx context.Context) {
	t := time.NewTicker(r.sweep)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case s := <-r.nudges:
			r.flushSchema(ctx, s)
		case <-t.C:
			r.FlushAll(ctx)
		}
	}
}

// FlushAll hands over pending rows of HQ and every city; it returns how many
// went out.
func (r *Relay) FlushAll(ctx context.Context) int {
	hq, _ := r.flush(ctx, nil)
	var n atomic.Int64
	n.Add(int64(hq))
	errs := r.reg.ForEachCity(ctx, r.reg.Cities(), 8, func(ctx context.Context, c *tenants.City) error {
		k, err := r.flush(ctx, c)
		n.Add(int64(k))
		return err
	})
	for city, err := range errs {
		if ctx.Err() == nil {
			r.log.Warn("outbox relay", "city", city, "err", err)
		}
	}
	return int(n.Load())
}

func (r *Relay) flushSchema(ctx context.Context, schema string) {
	if schema == r.reg.HQSchema() {
		_, _ = r.flush(ctx, nil)
		return
	}
	for _, c := range r.reg.Cities() {
		if c.Schema == schema {
			_, _ = r.flush(tenants.WithCity(ctx, c), c)
			return
		}
	}
}

// flush hands over one schema's pending rows (HQ when c is nil).
func (r *Relay) flush(ctx context.Context, c *tenants.City) (int, error) {
	sent := 0
	for {
		db, schema, city := r.reg.HQ(ctx), r.reg.HQSchema(), ""
		if c != nil {
			db, schema, city = tenants.DB(tenants.WithCity(ctx, c)), c.Schema, c.Code
		}
		msgs, err := outbox.Pending(db, r.batch)
		if err != nil || len(msgs) == 0 {
			return sent, err
		}
		var done []int64
		var failed error
		for _, m := range msgs {
			opts := []asynq.Option{asynq.Queue(m.Queue)}
			if m.ProcessAt != nil {
				opts = append(opts, asynq.ProcessAt(*m.ProcessAt))
			}
			id := schema + ":" + strconv.FormatInt(m.ID, 10)
			if err := r.q.Enqueue(ctx, m.TaskType, city, id, m.Payload, opts...); err != nil {
				_ = outbox.MarkFailed(db, m.ID, err)
				failed = err
				break // the queue is down: keep order, try again on the next sweep
			}
			done = append(done, m.ID)
		}
		if err := outbox.MarkSent(db, done); err != nil {
			return sent, err
		}
		sent += len(done)
		if failed != nil {
			return sent, failed
		}
		if len(msgs) < r.batch {
			return sent, nil
		}
	}
}
