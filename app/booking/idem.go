package booking

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/schema"

	"doorstep/app"
	"doorstep/tenants"
)

// TableName is "idempotency_keys".
func (IdempotencyKey) TableName(n schema.Namer) string {
	return tenants.TableName(n, "idempotency_keys")
}

// Idempotent runs a POST at most once per (account, Idempotency-Key) in
// ctx's city and replays its first answer:
//   - the same key with the same route and body gets the first status and
//     body again, without running anything;
//   - the same key with another route or body is ErrIdempotency (422);
//   - a key whose first request is still running is ErrIdemInProgress (409).
//
// Only successful answers are kept: when run returns an error the key is
// forgotten, so a retry with it runs again. A key left running by a crashed
// process stays refused (409) rather than risk running twice; the client
// uses a new key. An empty key just runs. route should be the method and
// the concrete path ("POST /v1/orders/12/pay").
func (s *Service) Idempotent(ctx context.Context, accountID int64, key, route string, body []byte,
	run func() (status int, resp []byte, err error)) (int, []byte, error) {
	key = strings.TrimSpace(key)
	if key == "" {
		return run()
	}
	if len(key) > 128 || strings.ContainsAny(key, " \t\r\n") {
		return 0, nil, app.Invalid("Idempotency-Key", "at most 128 characters without spaces")
	}
	route = clip(route, 128)
	h := sha256.New()
	h.Write([]byte(route))
	h.Write([]byte{0})
	h.Write(body)
	sum := h.Sum(nil)
	row := IdempotencyKey{AccountID: accountID, IdemKey: key, Route: route, RequestHash: sum, CreatedAt: s.now()}
	if err := tenants.DB(ctx).Create(&row).Error; err != nil {
		if !tenants.IsDuplicate(err) {
			return 0, nil, fmt.Errorf("idempotency key: %w", err)
		}
		var first IdempotencyKey
		err := tenants.DB(ctx).Where("account_id = ? AND idem_key = ?", accountID, key).Take(&first).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return 0, nil, ErrIdemInProgress // the first request failed and let go of the key just now
		}
		if err != nil {
			return 0, nil, err
		}
		if first.Route != route || string(first.RequestHash) != string(sum) {
			return 0, nil, app.ErrIdempotency
		}
		if first.Status == 0 {
			return 0, nil, ErrIdemInProgress
		}
		return first.Status, first.Response, nil
	}
	status, resp, err := run()
	if err != nil || status == 0 {
		if derr := tenants.DB(bg(ctx)).Where("id = ? AND status = 0", row.ID).Delete(&IdempotencyKey{}).Error; derr != nil {
			s.log.Error("idempotency key left running", "err", derr)
		}
		if err == nil {
			err = errors.New("idempotent: run gave no status")
		}
		return 0, nil, err
	}
	if err := tenants.DB(bg(ctx)).Model(&IdempotencyKey{}).Where("id = ?", row.ID).
		Updates(map[string]any{"status": status, "response": resp}).Error; err != nil {
		// The work is done; only the replay is lost. Keep the key refused.
		s.log.Error("idempotency answer not stored", "err", err)
	}
	return status, resp, nil
}
