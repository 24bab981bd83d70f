package notify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"doorstep/app"
	"doorstep/tenants"
)

// ErrNotificationNotFound answers for an id that is not the person's own.
var ErrNotificationNotFound = app.NotFound("notification")

// Inbox is one page of a person's notifications in one city, newest first,
// with how many of all their notifications there are still unread.
type Inbox struct {
	Items      []Notification `json:"items"`
	NextCursor string         `json:"next_cursor"`
	Unread     int64          `json:"unread"`
}

type inboxCursor struct {
	ID int64 `json:"id"`
}

// Inbox lists the signed-in person's notifications in ctx's city. Anyone
// signed in has an inbox (customers, staff, merchant users, operators);
// rows are always filtered by the actor's own account.
func (s *Service) Inbox(ctx context.Context, p app.Page) (Inbox, error) {
	a, err := app.MustActor(ctx)
	if err != nil {
		return Inbox{}, err
	}
	var cur inboxCursor
	if err := app.DecodeCursor(p.Cursor, &cur); err != nil {
		return Inbox{}, err
	}
	n := p.Size()
	q := tenants.DB(ctx).Where("account_id = ?", a.AccountID)
	if cur.ID > 0 {
		q = q.Where("id < ?", cur.ID)
	}
	var rows []Notification
	if err := q.Order("id DESC").Limit(n + 1).Find(&rows).Error; err != nil {
		return Inbox{}, fmt.Errorf("inbox: %w", err)
	}
	out := Inbox{Items: rows}
	if len(rows) > n {
		out.Items = rows[:n]
		out.NextCursor = app.EncodeCursor(inboxCursor{ID: rows[n-1].ID})
	}
	if out.Items == nil {
		out.Items = []Notification{}
	}
	if err := tenants.DB(ctx).Model(&Notification{}).Where("account_id = ? AND read_at IS NULL", a.AccountID).Count(&out.Unread).Error; err != nil {
		return Inbox{}, fmt.Errorf("inbox unread: %w", err)
	}
	return out, nil
}

// MarkRead marks one of the person's notifications read (again is fine) and
// returns it; another person's id is not found.
func (s *Service) MarkRead(ctx context.Context, id int64) (Notification, error) {
	a, err := app.MustActor(ctx)
	if err != nil {
		return Notification{}, err
	}
	db := tenants.DB(ctx)
	if err := db.Model(&Notification{}).Where("id = ? AND account_id = ? AND read_at IS NULL", id, a.AccountID).
		Update("read_at", time.Now().UTC()).Error; err != nil {
		return Notification{}, fmt.Errorf("mark read: %w", err)
	}
	var n Notification
	err = tenants.DB(ctx).Where("id = ? AND account_id = ?", id, a.AccountID).Take(&n).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return Notification{}, ErrNotificationNotFound
	}
	return n, err
}

// MarkAllRead marks every unread notification of the person in ctx's city
// read and says how many it marked.
func (s *Service) MarkAllRead(ctx context.Context) (int64, error) {
	a, err := app.MustActor(ctx)
	if err != nil {
		return 0, err
	}
	res := tenants.DB(ctx).Model(&Notification{}).Where("account_id = ? AND read_at IS NULL", a.AccountID).
		Update("read_at", time.Now().UTC())
	if res.Error != nil {
		return 0, fmt.Errorf("mark all read: %w", res.Error)
	}
	return res.RowsAffected, nil
}
