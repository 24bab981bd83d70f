package review

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"doorstep/app"
	"doorstep/app/outbox"
	"doorstep/tenants"
)

// TaskRemind reminds a customer to review an order they have not reviewed a
// day after completion.
const TaskRemind = "review:remind"

// RemindPayload is the payload of TaskRemind.
type RemindPayload struct {
	OrderID int64 `json:"order_id"`
}

// ReminderDelay is how long after completion an unreviewed order's customer
// is reminded (booking sends the first review_request at completion).
const ReminderDelay = 24 * time.Hour

// ScheduleReminder queues the review reminder of an order for
// ReminderDelay after completedAt. Booking calls it inside the transaction
// that completes the order, so the reminder exists exactly when the
// completion commits.
func (s *Service) ScheduleReminder(ctx context.Context, orderID int64, completedAt time.Time) error {
	return s.out.Add(ctx, TaskRemind, RemindPayload{OrderID: orderID}, outbox.At(completedAt.Add(ReminderDelay)), outbox.Queue("low"))
}

// HandleRemind tells the customer once more (template review_reminder)
// unless the order has been reviewed or is no longer reviewable. Delivery
// dedupes on the order, so a retried task reminds once.
func (s *Service) HandleRemind(ctx context.Context, data []byte) error {
	var p RemindPayload
	if err := json.Unmarshal(data, &p); err != nil || p.OrderID <= 0 {
		return fmt.Errorf("review reminder payload: %v: %w", err, app.ErrPermanent)
	}
	o, err := s.orders.Get(ctx, p.OrderID)
	if err != nil {
		if app.KindOf(err) == app.KindNotFound || errors.Is(err, gorm.ErrRecordNotFound) {
			return nil
		}
		return fmt.Errorf("review reminder of order %d: %w", p.OrderID, err)
	}
	if o.Reviewed || !reviewable[o.Status] {
		return nil
	}
	var n int64
	if err := tenants.DB(ctx).Model(&Review{}).Where("order_id = ?", o.ID).Count(&n).Error; err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	return s.notify.Tell(ctx, o.CustomerID, "review_reminder", map[string]string{"service": o.Title, "order_no": o.OrderNo},
		map[string]string{"order_no": o.OrderNo, "order_id": fmt.Sprint(o.ID)}, fmt.Sprint(o.ID))
}
