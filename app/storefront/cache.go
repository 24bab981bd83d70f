package storefront

import (
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"
)

// cache holds marshalled public pages per city, like the catalog's browse
// cache: an entry is served while younger than the TTL and computed at the
// city's current version; a publish bumps the version here at once and in
// the other copies through the bus (a lost notice costs at most the TTL).
type cache struct {
	ttl int64
	max int64

	m        sync.Map // key -> *cacheEntry
	n        atomic.Int64
	versions sync.Map // city -> *atomic.Int64
	sf       singleflight.Group
}

type cacheEntry struct {
	body    []byte
	version int64
	expires int64
}

func newCache(ttl time.Duration, max int) *cache { return &cache{ttl: int64(ttl), max: int64(max)} }

func (c *cache) version(city string) *atomic.Int64 {
	if v, ok := c.versions.Load(city); ok {
		return v.(*atomic.Int64)
	}
	v, _ := c.versions.LoadOrStore(city, new(atomic.Int64))
	return v.(*atomic.Int64)
}

func (c *cache) bump(city string) { c.version(city).Add(1) }

func (c *cache) bumpAll() {
	c.versions.Range(func(_, v any) bool {
		v.(*atomic.Int64).Add(1)
		return true
	})
}

// get returns the cached body of key in city or computes it with load. The
// version is read before load runs, so a page computed across a publish is
// stored under the old version and never served.
func (c *cache) get(city, key string, load func() ([]byte, error)) ([]byte, error) {
	v := c.version(city).Load()
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
		if _, loaded := c.m.Swap(key, &cacheEntry{body: b, version: v, expires: time.Now().UnixNano() + c.ttl}); !loaded {
			if c.n.Add(1) > c.max {
				c.m.Clear()
				c.n.Store(0)
			}
		}
		return b, nil
	})
	if err != nil {
		return nil, err
	}
	return out.([]byte), nil
}
