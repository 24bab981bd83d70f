// Package jobs runs background work on Asynq: the relay that moves committed
// outbox rows into the queue, the worker server whose middleware binds each
// task to its city, the periodic scheduler, and the Redis notice bus that
// keeps running copies in step. Task types are named area:action and are
// declared by the app package that owns the work; handlers decode and call
// app services.
package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"

	"doorstep/app"
	"doorstep/tenants"
)

// Envelope wraps every task payload with the city it belongs to.
type Envelope struct {
	City string          `json:"city,omitempty"`
	Data json.RawMessage `json:"data"`
}

// Handler does one task's work with the task's city (if any) in ctx.
type Handler func(ctx context.Context, data []byte) error

// ErrPermanent marks a failure that retrying cannot fix. It is
// app.ErrPermanent, so app packages mark failures without importing asynq.
var ErrPermanent = app.ErrPermanent

// ServerConfig tunes the worker.
type ServerConfig struct {
	Concurrency     int
	ShutdownTimeout time.Duration
}

// Server is the Asynq worker with our tenant middleware.
type Server struct {
	srv *asynq.Server
	mux *asynq.ServeMux
	reg *tenants.Registry
	log *slog.Logger
}

// Queues and their weights.
var Queues = map[string]int{"critical": 6, "default": 3, "low": 1}

// NewServer builds a worker over the Redis connection.
func NewServer(redis asynq.RedisConnOpt, reg *tenants.Registry, cfg ServerConfig, log *slog.Logger) *Server {
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 10 * time.Second
	}
	srv := asynq.NewServer(redis, asynq.Config{
		Concurrency:              cfg.Concurrency,
		Queues:                   Queues,
		ShutdownTimeout:          cfg.ShutdownTimeout,
		DelayedTaskCheckInterval: time.Second,
		Logger:                   asynqLogger{log},
		LogLevel:                 asynq.WarnLevel,
		ErrorHandler: asynq.ErrorHandlerFunc(func(ctx context.Context, t *asynq.Task, err error) {
			id, _ := asynq.GetTaskID(ctx)
			log.Warn("task failed", "type", t.Type(), "task_id", id, "err", err)
		}),
	})
	return &Server{srv: srv, mux: asynq.NewServeMux(), reg: reg, log: log}
}

// Handle registers h for a task type.
func (s *Server) Handle(taskType string, h Handler) {
	s.mux.HandleFunc(taskType, func(ctx context.Context, t *asynq.Task) error {
		var env Envelope
		if err := json.Unmarshal(t.Payload(), &env); err != nil {
			return fmt.Errorf("decode %s: %v: %w", t.Type(), err, asynq.SkipRetry)
		}
		if env.City != "" {
			c, err := s.reg.Lookup(env.City)
			if err != nil {
				// A city created on another copy moments ago: read the list once more.
				if lerr := s.reg.Load(ctx); lerr == nil {
					c, err = s.reg.Lookup(env.City)
				}
				if err != nil {
					return fmt.Errorf("%s: %v: %w", t.Type(), err, asynq.SkipRetry)
				}
			}
			ctx = tenants.WithCity(ctx, c)
		}
		ctx = app.WithActor(ctx, app.System)
		err := h(ctx, env.Data)
		if errors.Is(err, app.ErrPermanent) {
			return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
		}
		return err
	})
}

// Run processes tasks until ctx ends.
func (s *Server) Run(ctx context.Context) error {
	if err := s.srv.Start(s.mux); err != nil {
		return fmt.Errorf("start worker: %w", err)
	}
	<-ctx.Done()
	s.srv.Shutdown()
	return nil
}

// asynqLogger sends Asynq's own logs to slog.
type asynqLogger struct{ l *slog.Logger }

func (a asynqLogger) Debug(args ...interface{}) {}
func (a asynqLogger) Info(args ...interface{})  {}
func (a asynqLogger) Warn(args ...interface{})  { a.l.Warn(fmt.Sprint(args...), "component", "asynq") }
func (a asynqLogger) Error(args ...interface{}) { a.l.Error(fmt.Sprint(args...), "component", "asynq") }
func (a asynqLogger) Fatal(args ...interface{}) { a.l.Error(fmt.Sprint(args...), "component", "asynq") }

// Enqueuer puts tasks straight on the queue (for the scheduler and the relay).
type Enqueuer struct{ c *asynq.Client }

// NewEnqueuer wraps an Asynq client.
func NewEnqueuer(c *asynq.Client) *Enqueuer { return &Enqueuer{c: c} }

// Enqueue sends one task with a fixed id; an id already queued is success.
func (e *Enqueuer) Enqueue(ctx context.Context, taskType, city, id string, data []byte, opts ...asynq.Option) error {
	b, err := json.Marshal(Envelope{City: city, Data: data})
	if err != nil {
		return err
	}
	opts = append([]asynq.Option{asynq.TaskID(id), asynq.Retention(24 * time.Hour), asynq.MaxRetry(12)}, opts...)
	_, err = e.c.EnqueueContext(ctx, asynq.NewTask(taskType, b), opts...)
	if errors.Is(err, asynq.ErrTaskIDConflict) || errors.Is(err, asynq.ErrDuplicateTask) {
		return nil
	}
	return err
}
