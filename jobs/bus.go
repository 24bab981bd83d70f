package jobs

import (
	"context"
	"log/slog"

	"github.com/redis/go-redis/v9"
)

// Bus carries small "something changed" notices between running copies over
// Redis pub/sub. Notices are hints: every listener also has a periodic
// backstop, so a lost notice only delays a change.
type Bus struct {
	rdb    redis.UniversalClient
	prefix string
	log    *slog.Logger
}

// NewBus returns a bus whose channels start with prefix.
func NewBus(rdb redis.UniversalClient, prefix string, log *slog.Logger) *Bus {
	return &Bus{rdb: rdb, prefix: prefix, log: log}
}

// Publish sends a notice on topic.
func (b *Bus) Publish(ctx context.Context, topic, msg string) {
	if err := b.rdb.Publish(ctx, b.prefix+topic, msg).Err(); err != nil {
		b.log.Warn("bus publish failed; listeners catch up on their own", "topic", topic, "err", err)
	}
}

// Subscribe calls fn for every notice on topic until ctx ends.
func (b *Bus) Subscribe(ctx context.Context, topic string, fn func(msg string)) {
	sub := b.rdb.Subscribe(ctx, b.prefix+topic)
	go func() {
		defer sub.Close()
		ch := sub.Channel()
		for {
			select {
			case <-ctx.Done():
				return
			case m, ok := <-ch:
				if !ok {
					return
				}
				fn(m.Payload)
			}
		}
	}()
}
