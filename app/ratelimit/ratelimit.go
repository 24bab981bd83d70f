// Package ratelimit counts events per key in fixed windows in Redis, so every
// running copy shares the same counts. Imports go-redis only.
package ratelimit

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Limiter counts in Redis.
type Limiter struct {
	rdb    redis.UniversalClient
	prefix string
}

// New returns a limiter whose keys start with prefix.
func New(rdb redis.UniversalClient, prefix string) *Limiter {
	return &Limiter{rdb: rdb, prefix: prefix + "rl:"}
}

// INCR then set the expiry on the first hit, atomically: a crash between the
// two can never leave a counter that lives forever.
var hit = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
return {n, ttl}`)

// Allow records one event for key and reports whether it is within limit per
// window, and when the window resets.
func (l *Limiter) Allow(ctx context.Context, key string, limit int, window time.Duration) (bool, time.Duration, error) {
	res, err := hit.Run(ctx, l.rdb, []string{l.prefix + key}, window.Milliseconds()).Int64Slice()
	if err != nil {
		return false, 0, fmt.Errorf("rate limit %s: %w", key, err)
	}
	return res[0] <= int64(limit), time.Duration(res[1]) * time.Millisecond, nil
}

// Once reports whether key was not set in the last window, and sets it: one
// event per window (the 60-second SMS cool-down).
func (l *Limiter) Once(ctx context.Context, key string, window time.Duration) (bool, error) {
	ok, err := l.rdb.SetNX(ctx, l.prefix+key, 1, window).Result()
	if err != nil {
		return false, fmt.Errorf("rate limit %s: %w", key, err)
	}
	return ok, nil
}

// Count returns the current count of key (0 when absent).
func (l *Limiter) Count(ctx context.Context, key string) (int64, error) {
	n, err := l.rdb.Get(ctx, l.prefix+key).Int64()
	if err == redis.Nil {
		return 0, nil
	}
	return n, err
}

// Reset forgets key (a successful sign-in clears its failure count).
func (l *Limiter) Reset(ctx context.Context, key string) error {
	return l.rdb.Del(ctx, l.prefix+key).Err()
}
