package push

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"time"

	"doorstep/tenants"
)

// Sandbox records pushes in the HQ schema instead of sending them.
type Sandbox struct{ reg *tenants.Registry }

// NewSandbox returns a sandbox push sender.
func NewSandbox(reg *tenants.Registry) *Sandbox { return &Sandbox{reg: reg} }

// Send records the push under the device token's hash.
func (s *Sandbox) Send(ctx context.Context, m Message) error {
	h := sha256.Sum256([]byte(m.Token))
	body, _ := json.Marshal(map[string]any{"title": m.Title, "body": m.Body, "data": m.Data})
	err := s.reg.HQ(ctx).Table(s.reg.HQTable("sandbox_messages")).Create(map[string]any{
		"channel": "push", "recipient_hash": h[:], "template": "push", "body": string(body), "created_at": time.Now().UTC()}).Error
	if err != nil {
		return fmt.Errorf("sandbox push: %w", err)
	}
	return nil
}
