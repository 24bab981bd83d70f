// Package outbox lets a business transaction cause background work that
// commits with it: Add writes a row into the outbox table of the same schema,
// in the same transaction; the relay in package jobs hands committed rows to
// the queue with the row id as the task id, so nothing is lost when the queue
// is down and nothing is sent twice.
//
// Imports app, tenants and gorm only.
package outbox

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/schema"

	"doorstep/tenants"
)

// Message is one outbox row.
type Message struct {
	ID        int64 `gorm:"primaryKey"`
	TaskType  string
	Payload   []byte
	Queue     string
	ProcessAt *time.Time
	CreatedAt time.Time
	SentAt    *time.Time
	Attempts  int
	LastError string
}

// TableName keeps the schema prefix of the handle in use.
func (Message) TableName(n schema.Namer) string { return tenants.TableName(n, "outbox_messages") }

// Option adjusts a message.
type Option func(*Message)

// At delays the task until t.
func At(t time.Time) Option { return func(m *Message) { u := t.UTC(); m.ProcessAt = &u } }

// Queue routes the task to a named queue (critical, default, low).
func Queue(q string) Option { return func(m *Message) { m.Queue = q } }

// Outbox writes messages and wakes the relay after commit.
type Outbox struct {
	reg   *tenants.Registry
	nudge func(schema string)
}

// New returns an Outbox; nudge (may be nil) is called after each commit that
// added messages, with the schema that holds them.
func New(reg *tenants.Registry, nudge func(schema string)) *Outbox {
	if nudge == nil {
		nudge = func(string) {}
	}
	return &Outbox{reg: reg, nudge: nudge}
}

// Add writes a task into the outbox of ctx's city, inside the transaction
// open in ctx (or on its own when none is).
func (o *Outbox) Add(ctx context.Context, taskType string, payload any, opts ...Option) error {
	c, err := tenants.MustCity(ctx)
	if err != nil {
		return err
	}
	m, err := message(taskType, payload, opts)
	if err != nil {
		return err
	}
	if err := tenants.DB(ctx).Create(&m).Error; err != nil {
		return fmt.Errorf("outbox add %s: %w", taskType, err)
	}
	schema := c.Schema
	tenants.AfterCommit(ctx, func() { o.nudge(schema) })
	return nil
}

// AddHQ writes a task into the HQ outbox (events with no city: sign-in codes).
func (o *Outbox) AddHQ(ctx context.Context, taskType string, payload any, opts ...Option) error {
	m, err := message(taskType, payload, opts)
	if err != nil {
		return err
	}
	if err := o.reg.HQ(ctx).Create(&m).Error; err != nil {
		return fmt.Errorf("outbox add %s: %w", taskType, err)
	}
	schema := o.reg.HQSchema()
	tenants.AfterCommit(ctx, func() { o.nudge(schema) })
	return nil
}

func message(taskType string, payload any, opts []Option) (Message, error) {
	b, err := json.Marshal(payload)
	if err != nil {
		return Message{}, fmt.Errorf("outbox payload %s: %w", taskType, err)
	}
	m := Message{TaskType: taskType, Payload: b, Queue: "default", CreatedAt: time.Now().UTC()}
	for _, o := range opts {
		o(&m)
	}
	return m, nil
}

// Pending returns up to limit unsent messages of db's schema, oldest first.
func Pending(db *gorm.DB, limit int) ([]Message, error) {
	var out []Message
	err := db.Where("sent_at IS NULL").Order("id").Limit(limit).Find(&out).Error
	return out, err
}

// MarkSent records that the queue has the message.
func MarkSent(db *gorm.DB, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	return db.Model(&Message{}).Where("id IN ?", ids).Update("sent_at", time.Now().UTC()).Error
}

// MarkFailed records a failed hand-over; the message stays pending.
func MarkFailed(db *gorm.DB, id int64, cause error) error {
	msg := cause.Error()
	if len(msg) > 250 {
		msg = msg[:250]
	}
	return db.Model(&Message{}).Where("id = ?", id).Updates(map[string]any{"attempts": gorm.Expr("attempts + 1"), "last_error": msg}).Error
}

// Prune deletes messages sent before t.
func Prune(db *gorm.DB, before time.Time) (int64, error) {
	res := db.Where("sent_at IS NOT NULL AND sent_at < ?", before).Delete(&Message{})
	return res.RowsAffected, res.Error
}
