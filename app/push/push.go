// Package push sends app push notifications. Sender is the interface; the
// sandbox records pushes; the jpush subpackage speaks JPush's REST API v3.
package push

import "context"

// Message is one notification to one device (registration id / token).
type Message struct {
	Token string
	Title string
	Body  string
	Data  map[string]string // deep-link data, e.g. {"order_no": "..."}
}

// Sender delivers a push notification.
type Sender interface {
	Send(ctx context.Context, m Message) error
}
