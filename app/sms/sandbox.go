package sms

import (
	"context"
	"fmt"
	"time"

	"doorstep/tenants"
)

// Sandbox records messages in the HQ schema instead of sending them, so the
// product runs end to end with no SMS account. The demo and the tests read
// the codes back through the sandbox inbox endpoint (never in production).
type Sandbox struct {
	reg    *tenants.Registry
	hash   func(phone string) []byte
	render func(template string, params map[string]string) string
}

// NewSandbox returns a sandbox sender. hash is the keyed phone hash (the
// inbox is looked up by it); render turns a template into text.
func NewSandbox(reg *tenants.Registry, hash func(string) []byte, render func(string, map[string]string) string) *Sandbox {
	return &Sandbox{reg: reg, hash: hash, render: render}
}

// Message is one recorded message.
type Message struct {
	ID        int64     `json:"id"`
	Channel   string    `json:"channel"`
	Template  string    `json:"template"`
	Body      string    `json:"body"`
	CreatedAt time.Time `json:"created_at"`
}

type sandboxRow struct {
	ID            int64 `gorm:"primaryKey"`
	Channel       string
	RecipientHash []byte
	Template      string
	Body          string
	CreatedAt     time.Time
}

// Send records the message.
func (s *Sandbox) Send(ctx context.Context, phone, template string, params map[string]string) error {
	row := sandboxRow{Channel: "sms", RecipientHash: s.hash(phone), Template: template, Body: s.render(template, params), CreatedAt: time.Now().UTC()}
	if err := s.reg.HQ(ctx).Table(s.reg.HQTable("sandbox_messages")).Create(&row).Error; err != nil {
		return fmt.Errorf("sandbox sms: %w", err)
	}
	return nil
}

// Messages returns the newest messages sent to a phone.
func (s *Sandbox) Messages(ctx context.Context, phone string, limit int) ([]Message, error) {
	var rows []sandboxRow
	err := s.reg.HQ(ctx).Table(s.reg.HQTable("sandbox_messages")).Where("recipient_hash = ? AND channel = 'sms'", s.hash(phone)).
		Order("id DESC").Limit(limit).Find(&rows).Error
	out := make([]Message, len(rows))
	for i, r := range rows {
		out[i] = Message{ID: r.ID, Channel: r.Channel, Template: r.Template, Body: r.Body, CreatedAt: r.CreatedAt}
	}
	return out, err
}
