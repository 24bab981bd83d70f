package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm/schema"

	"doorstep/app"
	"doorstep/app/push"
	"doorstep/app/push/jpush"
	"doorstep/tenants"
)

// Task types of delivery.
const (
	TaskDeliver = "notify:deliver" // write the inbox row, then queue SMS and push
	TaskPush    = "notify:push"
)

// Contacts opens what delivery needs to reach a person, and forgets a push
// token the provider no longer knows (account service).
type Contacts interface {
	Contact(ctx context.Context, accountID int64) (Contact, error)
	// ClearPushToken empties the account's push token if it is still token,
	// so a device registered in the meantime is kept.
	ClearPushToken(ctx context.Context, accountID int64, token string) error
}

// Contact is how to reach a person and what they agreed to.
type Contact struct {
	Phone      string
	Locale     string
	NotifySMS  bool
	NotifyPush bool
	PushToken  string
}

// Notification is one inbox row.
type Notification struct {
	ID        int64             `json:"id" gorm:"primaryKey"`
	AccountID int64             `json:"-"`
	Event     string            `json:"event"`
	DedupeKey string            `json:"-"`
	Title     string            `json:"title"`
	Body      string            `json:"body"`
	Data      map[string]string `json:"data" gorm:"serializer:json"`
	ReadAt    *time.Time        `json:"read_at"`
	CreatedAt time.Time         `json:"created_at"`
}

// TableName keeps the schema prefix of the handle in use.
func (Notification) TableName(n schema.Namer) string { return tenants.TableName(n, "notifications") }

// smsEvents are the events important enough for a text message (when the
// person allows SMS); every event goes to the inbox and, if allowed, push.
var smsEvents = map[string]bool{
	"order_paid": true, "order_assigned": true, "order_on_the_way": true, "order_reminder": true,
	"refund_done": true, "staff_invited": true, "job_offered": true, "dispatch_escalated": true,
	"merchant_application": true, "order_cancelled": true,
}

type deliverPayload struct {
	AccountID int64             `json:"account_id"`
	Template  string            `json:"template"`
	Params    map[string]string `json:"params"`
	Data      map[string]string `json:"data,omitempty"`
	Dedupe    string            `json:"dedupe"`
}

// Tell queues a notification for a person in ctx's city, inside the caller's
// transaction: it is sent only if the business write commits. dedupe makes
// a repeated Tell for the same fact (a retried job) deliver once, e.g.
// "order_paid:123". Params must not hold personal data: they land in the
// inbox text. Data is deep-link data for the app (order_no, ids).
func (s *Service) Tell(ctx context.Context, accountID int64, template string, params, data map[string]string, dedupe string) error {
	if accountID == 0 {
		return nil
	}
	if _, ok := templates[template]; !ok {
		return fmt.Errorf("notify: unknown template %q", template)
	}
	return s.out.Add(ctx, TaskDeliver, deliverPayload{AccountID: accountID, Template: template, Params: params, Data: data, Dedupe: template + ":" + dedupe})
}

// UseContacts sets how delivery reaches people (wired after the account
// service exists, which itself sends codes through this service).
func (s *Service) UseContacts(c Contacts) { s.contacts = c }

// smsLang is the language of text messages. SMS goes out through templates
// the provider approved with our signature, and those are Chinese; the inbox
// and push follow the person's language.
const smsLang = "zh"

// HandleDeliver writes the inbox row in the person's language and, the first
// time only, queues SMS (when they allow SMS and the event merits one) and
// push (when they allow push and have a device) in the same transaction;
// each of those retries on its own.
func (s *Service) HandleDeliver(ctx context.Context, data []byte) error {
	var p deliverPayload
	if err := json.Unmarshal(data, &p); err != nil {
		return fmt.Errorf("deliver payload: %w: %w", err, app.ErrPermanent)
	}
	c, err := s.contacts.Contact(ctx, p.AccountID)
	if err != nil {
		if app.KindOf(err) == app.KindNotFound {
			err = fmt.Errorf("%w: %w", err, app.ErrPermanent)
		}
		return fmt.Errorf("deliver to %d: %w", p.AccountID, err)
	}
	title, body := Render(p.Template, c.Locale, p.Params)
	if left := unfilled(title, body); len(left) > 0 {
		// A caller forgot a documented param: deliver anyway, loudly.
		s.log.WarnContext(ctx, "notification rendered with unfilled params", "template", p.Template, "unfilled", left)
	}
	return tenants.WithTx(ctx, func(ctx context.Context) error {
		n := Notification{AccountID: p.AccountID, Event: p.Template, DedupeKey: p.Dedupe, Title: title, Body: body, Data: p.Data, CreatedAt: time.Now().UTC()}
		if n.Data == nil {
			n.Data = map[string]string{}
		}
		if err := tenants.DB(ctx).Create(&n).Error; err != nil {
			if tenants.IsDuplicate(err) {
				return nil // delivered before
			}
			return err
		}
		if c.NotifySMS && c.Phone != "" && smsEvents[p.Template] {
			if err := s.QueueSMS(ctx, c.Phone, p.Template, paramsIn(smsLang, p.Params)); err != nil {
				return err
			}
		}
		if c.NotifyPush && c.PushToken != "" {
			if err := s.out.Add(ctx, TaskPush, pushPayload{AccountID: p.AccountID, Token: s.box.Seal(c.PushToken), Title: title, Body: body, Data: p.Data}); err != nil {
				return err
			}
		}
		return nil
	})
}

type pushPayload struct {
	AccountID int64             `json:"account_id"`
	Token     []byte            `json:"token"`
	Title     string            `json:"title"`
	Body      string            `json:"body"`
	Data      map[string]string `json:"data"`
}

// HandlePush sends one push notification. A device the provider no longer
// knows (the app was uninstalled) is forgotten: the account's push token is
// cleared and the task ends without retrying. A push the provider refused
// for good is not retried either; outages and rate limits are.
func (s *Service) HandlePush(ctx context.Context, data []byte) error {
	var p pushPayload
	if err := json.Unmarshal(data, &p); err != nil {
		return fmt.Errorf("push payload: %w: %w", err, app.ErrPermanent)
	}
	tok, err := s.box.Open(p.Token)
	if err != nil {
		return fmt.Errorf("push payload: %w: %w", err, app.ErrPermanent)
	}
	err = s.push.Send(ctx, push.Message{Token: tok, Title: p.Title, Body: p.Body, Data: p.Data})
	switch {
	case err == nil:
		return nil
	case jpush.IsUnknownDevice(err):
		if p.AccountID != 0 {
			if cerr := s.contacts.ClearPushToken(ctx, p.AccountID, tok); cerr != nil {
				return fmt.Errorf("forget push token of %d: %w", p.AccountID, cerr)
			}
		}
		s.log.InfoContext(ctx, "push device unknown; token cleared", "account", p.AccountID)
		return nil
	case errors.Is(err, jpush.ErrRejected):
		return fmt.Errorf("push to %d: %w: %w", p.AccountID, err, app.ErrPermanent)
	}
	return fmt.Errorf("push to %d: %w", p.AccountID, err)
}
