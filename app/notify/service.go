// Package notify tells people what happened: an in-app inbox, SMS and push,
// per event and language, sent by jobs from the outbox so a notification
// commits with the business write that caused it.
//
// Imports app, app/outbox, app/pii, tenants, gorm, and the SMS and push
// senders (including the Aliyun and JPush adapters, only to read their
// verdicts); never asynq: app.ErrPermanent tells the worker not to retry.
package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"doorstep/app"
	"doorstep/app/outbox"
	"doorstep/app/pii"
	"doorstep/app/push"
	"doorstep/app/sms"
	"doorstep/app/sms/aliyun"
	"doorstep/tenants"
)

// Task types.
const (
	TaskSMS = "notify:sms"
)

// Service queues and sends notifications.
type Service struct {
	reg  *tenants.Registry
	box  *pii.Box
	out  *outbox.Outbox
	sms  sms.Sender
	push push.Sender
	log  *slog.Logger

	contacts Contacts
}

// New builds the notification service.
func New(reg *tenants.Registry, box *pii.Box, out *outbox.Outbox, smsSender sms.Sender, pushSender push.Sender, log *slog.Logger) *Service {
	return &Service{reg: reg, box: box, out: out, sms: smsSender, push: pushSender, log: log}
}

// smsPayload carries the phone and parameters sealed: outbox rows and queue
// entries never hold a readable phone number or code.
type smsPayload struct {
	To       []byte `json:"to"`
	Template string `json:"template"`
	Params   []byte `json:"params"`
}

// QueueSMSHQ queues an SMS through the HQ outbox (sign-in codes).
func (s *Service) QueueSMSHQ(ctx context.Context, phone, template string, params map[string]string) error {
	p, err := s.sealSMS(phone, template, params)
	if err != nil {
		return err
	}
	return s.out.AddHQ(ctx, TaskSMS, p, outbox.Queue("critical"))
}

// QueueSMS queues an SMS through the outbox of ctx's city.
func (s *Service) QueueSMS(ctx context.Context, phone, template string, params map[string]string) error {
	p, err := s.sealSMS(phone, template, params)
	if err != nil {
		return err
	}
	return s.out.Add(ctx, TaskSMS, p)
}

func (s *Service) sealSMS(phone, template string, params map[string]string) (smsPayload, error) {
	b, err := json.Marshal(params)
	if err != nil {
		return smsPayload{}, err
	}
	return smsPayload{To: s.box.Seal(phone), Template: template, Params: s.box.Seal(string(b))}, nil
}

// HandleSMS sends one queued SMS. A refusal the provider means for good (a
// bad number, a template it does not know, per-number flow control) ends the
// task without retrying; an outage is retried.
func (s *Service) HandleSMS(ctx context.Context, data []byte) error {
	var p smsPayload
	if err := json.Unmarshal(data, &p); err != nil {
		return fmt.Errorf("sms payload: %w: %w", err, app.ErrPermanent)
	}
	phone, err := s.box.Open(p.To)
	if err != nil {
		return fmt.Errorf("sms payload: %w: %w", err, app.ErrPermanent)
	}
	raw, err := s.box.Open(p.Params)
	if err != nil {
		return fmt.Errorf("sms payload: %w: %w", err, app.ErrPermanent)
	}
	params := map[string]string{}
	if raw != "" {
		if err := json.Unmarshal([]byte(raw), &params); err != nil {
			return fmt.Errorf("sms params: %w: %w", err, app.ErrPermanent)
		}
	}
	if err := s.sms.Send(ctx, phone, p.Template, params); err != nil {
		if smsPermanent(err) {
			err = fmt.Errorf("%w: %w", err, app.ErrPermanent)
		}
		return fmt.Errorf("send sms %s to %s: %w", p.Template, pii.MaskPhone(phone), err)
	}
	return nil
}

// smsPermanent tells whether err is the provider's final word on a message:
// Aliyun answered and retrying cannot change the answer. Failures that are
// not the provider's verdict (a sandbox write, a cancelled context) retry.
func smsPermanent(err error) bool {
	if aliyun.Retryable(err) {
		return false
	}
	var ae *aliyun.Error
	return errors.As(err, &ae) || errors.Is(err, aliyun.ErrUnknownTemplate) || errors.Is(err, aliyun.ErrBadNumber)
}
