package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"

	"doorstep/tenants"
)

// Periodic is a task that runs every Every, once for HQ or once per city.
type Periodic struct {
	TaskType string
	Every    time.Duration
	PerCity  bool
	Queue    string
	Data     func(slot time.Time) []byte // payload for the slot; nil sends {}
}

// Scheduler enqueues periodic tasks with one task id per time slot, so any
// number of copies may run it and each slot still runs once.
type Scheduler struct {
	reg  *tenants.Registry
	q    *Enqueuer
	jobs []Periodic
	log  *slog.Logger
	last map[string]time.Time
}

// NewScheduler builds a scheduler for jobs.
func NewScheduler(reg *tenants.Registry, q *Enqueuer, jobs []Periodic, log *slog.Logger) *Scheduler {
	return &Scheduler{reg: reg, q: q, jobs: jobs, log: log, last: map[string]time.Time{}}
}

// Run ticks every second until ctx ends.
func (s *Scheduler) Run(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			s.Tick(ctx, now)
		}
	}
}

// Tick enqueues every job whose slot has not been enqueued by this copy yet.
func (s *Scheduler) Tick(ctx context.Context, now time.Time) {
	for _, j := range s.jobs {
		slot := now.UTC().Truncate(j.Every)
		if s.last[j.TaskType].Equal(slot) {
			continue
		}
		if err := s.enqueueSlot(ctx, j, slot); err != nil {
			if ctx.Err() == nil {
				s.log.Warn("scheduler", "task", j.TaskType, "err", err)
			}
			continue // try again next tick
		}
		s.last[j.TaskType] = slot
	}
}

func (s *Scheduler) enqueueSlot(ctx context.Context, j Periodic, slot time.Time) error {
	data := []byte("{}")
	if j.Data != nil {
		data = j.Data(slot)
	}
	q := j.Queue
	if q == "" {
		q = "low"
	}
	opts := []asynq.Option{asynq.Queue(q), asynq.Retention(2 * j.Every), asynq.MaxRetry(3)}
	if !j.PerCity {
		return s.q.Enqueue(ctx, j.TaskType, "", fmt.Sprintf("sched:%s:%d", j.TaskType, slot.Unix()), data, opts...)
	}
	for _, c := range s.reg.Cities() {
		id := fmt.Sprintf("sched:%s:%s:%d", j.TaskType, c.Code, slot.Unix())
		if err := s.q.Enqueue(ctx, j.TaskType, c.Code, id, data, opts...); err != nil {
			return err
		}
	}
	return nil
}
