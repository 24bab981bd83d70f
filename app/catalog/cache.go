package catalog

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"doorstep/tenants"
)

// Cache holds marshalled answers per city: the catalog's browse and detail
// answers, the storefront's public pages. An entry is served while it is
// younger than the TTL and was computed at the city's current version; a
// write bumps the version, so this copy never serves an answer older than
// its own last write, and other copies (told through the bus) serve one at
// most TTL old even when a notice is lost.
type Cache struct {
	ttl int64 // nanoseconds
	max int64

	m        sync.Map // key -> *cacheEntry
	n        atomic.Int64
	versions sync.Map // city -> *atomic.Int64
	sf       singleflight.Group
}

type cacheEntry struct {
	body    Answer
	version int64
	expires int64 // unix nanoseconds
}

// Answer is a marshalled answer, and the same gzipped once for clients
// that accept it (nil when too small to be worth it). Neither slice is ever
// written again: serve them as they are.
type Answer struct {
	JSON []byte
	Gzip []byte
}

// gzipFrom is the size from which an answer is also kept gzipped.
const gzipFrom = 1024

func answer(b []byte) Answer {
	a := Answer{JSON: b}
	if len(b) >= gzipFrom {
		var buf bytes.Buffer
		buf.Grow(len(b) / 3)
		w, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
		if _, err := w.Write(b); err == nil && w.Close() == nil {
			a.Gzip = buf.Bytes()
		}
	}
	return a
}

// NewCache is a cache whose entries live at most ttl, at most max of them.
func NewCache(ttl time.Duration, max int) *Cache {
	return &Cache{ttl: int64(ttl), max: int64(max)}
}

func (c *Cache) version(city string) *atomic.Int64 {
	if v, ok := c.versions.Load(city); ok {
		return v.(*atomic.Int64)
	}
	v, _ := c.versions.LoadOrStore(city, new(atomic.Int64))
	return v.(*atomic.Int64)
}

// Bump drops what the cache holds for a city.
func (c *Cache) Bump(city string) { c.version(city).Add(1) }

// BumpAll drops what the cache holds for every city.
func (c *Cache) BumpAll() {
	c.versions.Range(func(_, v any) bool {
		v.(*atomic.Int64).Add(1)
		return true
	})
}

// Get returns the cached answer of key in city, or computes it with load.
// The version is read before load runs, so an answer computed across a
// concurrent write is stored under the old version and never served.
func (c *Cache) Get(city, key string, load func() ([]byte, error)) (Answer, error) {
	ver := c.version(city)
	v := ver.Load()
	now := time.Now().UnixNano()
	if e, ok := c.m.Load(key); ok {
		ce := e.(*cacheEntry)
		if ce.version == v && now < ce.expires {
			return ce.body, nil
		}
	}
	out, err, _ := c.sf.Do(key+"#"+strconv.FormatInt(v, 10), func() (any, error) {
		b, err := load()
		if err != nil {
			return nil, err
		}
		a := answer(b)
		if _, loaded := c.m.Swap(key, &cacheEntry{body: a, version: v, expires: time.Now().UnixNano() + c.ttl}); !loaded {
			if c.n.Add(1) > c.max {
				// Crude but bounded: start over rather than track recency.
				c.m.Clear()
				c.n.Store(0)
			}
		}
		return a, nil
	})
	if err != nil {
		return Answer{}, err
	}
	return out.(Answer), nil
}

// Drop drops what the cache holds for ctx's city, in this copy once the
// open transaction commits (at once without one), and in the other copies
// through a notice on topic (whose handler calls Dropped).
func (c *Cache) Drop(ctx context.Context, pub Publisher, topic string) {
	city, ok := tenants.CityFrom(ctx)
	if !ok {
		return
	}
	code := city.Code
	bg := context.WithoutCancel(ctx)
	tenants.AfterCommit(ctx, func() {
		c.Bump(code)
		if pub != nil {
			pub.Publish(bg, topic, code)
		}
	})
}

// Dropped handles another copy's notice: msg is a city code, or "*" (or
// empty) for every city.
func (c *Cache) Dropped(msg string) {
	if msg == "" || msg == "*" {
		c.BumpAll()
		return
	}
	c.Bump(msg)
}

// Remember answers a value computed by load through the catalog's cache of
// ctx's city, copied into out (JSON): kept while the city's catalog is
// unchanged (every item or shop write drops it, here at once and in other
// copies through the bus) and at most CacheTTL. For reads that may be that
// stale and no more: booking's item and shop lookups. Errors are not kept.
func (s *Service) Remember(ctx context.Context, key string, out any, load func() (any, error)) error {
	c, err := tenants.MustCity(ctx)
	if err != nil {
		return err
	}
	a, err := s.cache.Get(c.Code, c.Code+"|r|"+key, func() ([]byte, error) {
		v, err := load()
		if err != nil {
			return nil, err
		}
		return json.Marshal(v)
	})
	if err != nil {
		return err
	}
	return json.Unmarshal(a.JSON, out)
}
