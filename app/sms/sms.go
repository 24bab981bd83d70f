// Package sms sends text messages. Sender is the interface; Sandbox records
// messages in the HQ schema so the product works with no outside account;
// the aliyun subpackage speaks Aliyun SMS's signed HTTP API.
package sms

import "context"

// Sender delivers one templated message to one phone number (E.164 without
// "+", or an 11-digit mainland number). Template is our template name
// ("login_code", "order_paid", ...); adapters map it to the provider's
// template code. Params fill the template.
type Sender interface {
	Send(ctx context.Context, phone, template string, params map[string]string) error
}
