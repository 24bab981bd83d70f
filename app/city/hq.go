package city

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"doorstep/app"
	"doorstep/app/audit"
	"doorstep/app/booking"
	"doorstep/app/pii"
	"doorstep/tenants"
)

// HQ is headquarters' work across cities: lists that fan out over every
// city schema, the platform-wide policies cities fall back to, and moving a
// city to another placement. It reads cities only through the registry and
// never holds a city and HQ open at once.
type HQ struct {
	reg     *tenants.Registry
	box     *pii.Box
	booking *booking.Service
	audit   *audit.Log
	notify  Notifier
	log     *slog.Logger

	parallel    int
	cityTimeout atomic.Int64 // per-city deadline of a cross-city read
	drain       atomic.Int64 // wait for in-flight writes around a move
	moveTimeout time.Duration

	pol policyCache
}

// HQDeps are what HQ is built from.
type HQDeps struct {
	Reg     *tenants.Registry
	Box     *pii.Box
	Booking *booking.Service
	Audit   *audit.Log
	Notify  Notifier // tells other copies the city list changed; may be nil
	Log     *slog.Logger
}

// Defaults of HQ's work.
const (
	DefaultCityTimeout = 2 * time.Second  // one city's share of a cross-city page
	DefaultParallel    = 16               // cities read at once
	DefaultMoveDrain   = 3 * time.Second  // in-flight writes finish; other copies see the notice
	DefaultMoveTimeout = 30 * time.Minute // after this a running move counts as dead
)

// NewHQ builds HQ's services.
func NewHQ(d HQDeps) *HQ {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	h := &HQ{reg: d.Reg, box: d.Box, booking: d.Booking, audit: d.Audit, notify: d.Notify, log: d.Log,
		parallel: DefaultParallel, moveTimeout: DefaultMoveTimeout}
	h.cityTimeout.Store(int64(DefaultCityTimeout))
	h.drain.Store(int64(DefaultMoveDrain))
	return h
}

// SetCityTimeout changes the per-city deadline of cross-city reads.
func (h *HQ) SetCityTimeout(d time.Duration) { h.cityTimeout.Store(int64(d)) }

// SetMoveDrain changes how long a move waits for in-flight writes (and for
// other copies to hear of the pause) before copying, and after switching.
func (h *HQ) SetMoveDrain(d time.Duration) { h.drain.Store(int64(d)) }

// Missing names a city whose share of a page is absent, and why.
type Missing struct {
	City  string `json:"city"`
	Error string `json:"error" doc:"timeout | unreachable | error"`
}

// CrossList is one page of a list over many cities. A city that is slow or
// unreachable does not fail the page: its share is left out, Partial is
// true and MissingCities says which and why. The cursor keeps a position
// per city, so a city missing from one page is read from where it stood on
// the next (its rows may then come later than newer rows of other cities,
// but none is skipped).
type CrossList[T any] struct {
	Items         []T       `json:"items"`
	NextCursor    string    `json:"next_cursor"`
	Partial       bool      `json:"partial"`
	MissingCities []Missing `json:"missing_cities"`
}

// crossPos is the position of a city in a list: its last row handed out.
type crossPos struct {
	At time.Time `json:"t"`
	ID int64     `json:"i"`
}

// crossCursor is the cursor of a cross-city list: a position per city and
// the cities with nothing left.
type crossCursor struct {
	Pos  map[string]crossPos `json:"p,omitempty"`
	Done []string            `json:"x,omitempty"`
}

func decodeCross(s string) (crossCursor, error) {
	var c crossCursor
	if err := app.DecodeCursor(s, &c); err != nil {
		return c, err
	}
	if c.Pos == nil {
		c.Pos = map[string]crossPos{}
	}
	return c, nil
}

// crossRow is a row of a cross-city list: its city and sort key.
type crossRow interface {
	crossKey() (city string, at time.Time, id int64)
}

// cities resolves a city filter: "" for every open or suspended city, or
// codes separated by commas.
func (h *HQ) cities(filter string) ([]*tenants.City, error) {
	all := h.reg.Cities()
	filter = strings.TrimSpace(strings.ToLower(filter))
	if filter == "" {
		out := make([]*tenants.City, 0, len(all))
		for _, c := range all {
			if c.Status != statusProvisioning {
				out = append(out, c)
			}
		}
		return out, nil
	}
	seen := map[string]bool{}
	var out []*tenants.City
	for _, code := range strings.Split(filter, ",") {
		code = strings.TrimSpace(code)
		if code == "" || seen[code] {
			continue
		}
		seen[code] = true
		if !tenants.ValidCode(code) {
			return nil, app.Invalid("city", "city codes separated by commas")
		}
		c, err := h.reg.Lookup(code)
		if err != nil || c.Status == statusProvisioning {
			return nil, app.Invalid("city", "no city "+code)
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out, nil
}

// why classifies a city's failure for the client without leaking SQL or
// addresses; the cause goes to the log.
func why(ctx context.Context, err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil:
		return "timeout"
	case errors.As(err, &ne):
		if ne.Timeout() {
			return "timeout"
		}
		return "unreachable"
	case strings.Contains(err.Error(), "connection refused") || strings.Contains(err.Error(), "invalid connection") || strings.Contains(err.Error(), "bad connection"):
		return "unreachable"
	}
	return "error"
}

// fanOut runs fetch in every city at once (at most h.parallel at a time),
// each under its own deadline, and returns what each answered and which
// failed. A failure of one city never fails the others.
func fanOut[T any](ctx context.Context, h *HQ, cities []*tenants.City, fetch func(ctx context.Context, c *tenants.City) (T, error)) (map[string]T, []Missing) {
	var mu sync.Mutex
	got := make(map[string]T, len(cities))
	kinds := map[string]string{}
	timeout := time.Duration(h.cityTimeout.Load())
	errs := h.reg.ForEachCity(ctx, cities, h.parallel, func(ctx context.Context, c *tenants.City) error {
		cctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		v, err := fetch(cctx, c)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			kinds[c.Code] = why(cctx, err)
			return err
		}
		got[c.Code] = v
		return nil
	})
	missing := make([]Missing, 0, len(errs))
	for code, err := range errs {
		h.log.WarnContext(ctx, "cross-city read: a city is left out", "city", code, "why", kinds[code], "err", err)
		missing = append(missing, Missing{City: code, Error: kinds[code]})
	}
	sort.Slice(missing, func(i, j int) bool { return missing[i].City < missing[j].City })
	return got, missing
}

// gather pages a list ordered by (time desc, id desc, city) over cities:
// each city is asked for up to n rows after its own position in the
// cursor, the answers are merged and the first n handed out.
func gather[T crossRow](ctx context.Context, h *HQ, cities []*tenants.City, cursor string, n int,
	fetch func(ctx context.Context, c *tenants.City, after *crossPos, n int) ([]T, error)) (CrossList[T], error) {
	cur, err := decodeCross(cursor)
	if err != nil {
		return CrossList[T]{}, err
	}
	done := map[string]bool{}
	for _, code := range cur.Done {
		done[code] = true
	}
	var todo []*tenants.City
	for _, c := range cities {
		if !done[c.Code] {
			todo = append(todo, c)
		}
	}
	got, missing := fanOut(ctx, h, todo, func(ctx context.Context, c *tenants.City) ([]T, error) {
		var after *crossPos
		if p, ok := cur.Pos[c.Code]; ok {
			after = &p
		}
		return fetch(ctx, c, after, n)
	})
	var all []T
	for _, rows := range got {
		all = append(all, rows...)
	}
	sort.SliceStable(all, func(i, j int) bool {
		ci, ti, ii := all[i].crossKey()
		cj, tj, ij := all[j].crossKey()
		if !ti.Equal(tj) {
			return ti.After(tj)
		}
		if ii != ij {
			return ii > ij
		}
		return ci < cj
	})
	if len(all) > n {
		all = all[:n]
	}
	out := CrossList[T]{Items: all, MissingCities: missing, Partial: len(missing) > 0}
	if out.Items == nil {
		out.Items = []T{}
	}
	next := crossCursor{Pos: cur.Pos, Done: append([]string{}, cur.Done...)}
	handed := map[string]int{}
	for _, r := range all {
		code, at, id := r.crossKey()
		next.Pos[code] = crossPos{At: at, ID: id}
		handed[code]++
	}
	for code, rows := range got {
		if len(rows) < n && handed[code] == len(rows) {
			next.Done = append(next.Done, code)
			delete(next.Pos, code)
		}
	}
	out.NextCursor = nextCursor(cities, next, len(all), missing)
	return out, nil
}

// nextCursor is "" once every city is done, or when nothing came back and
// only missing cities are left (a client paging to the end must stop; the
// page says which cities it could not read).
func nextCursor(cities []*tenants.City, next crossCursor, handed int, missing []Missing) string {
	done := map[string]bool{}
	for _, c := range next.Done {
		done[c] = true
	}
	miss := map[string]bool{}
	for _, m := range missing {
		miss[m.City] = true
	}
	left, leftReachable := 0, 0
	for _, c := range cities {
		if done[c.Code] {
			continue
		}
		left++
		if !miss[c.Code] {
			leftReachable++
		}
	}
	if left == 0 || (handed == 0 && leftReachable == 0) {
		return ""
	}
	sort.Strings(next.Done)
	return app.EncodeCursor(next)
}

// localText shows a UTC time in a city's zone, as people read it.
func localText(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format("2006-01-02 15:04")
}

// timeBound reads a from/to filter: RFC 3339, or a date in the city's own
// zone (from: its start; to: the start of the next day).
func timeBound(field, v string, loc *time.Location, end bool) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.UTC(), nil
	}
	d, err := time.ParseInLocation(time.DateOnly, v, loc)
	if err != nil {
		return time.Time{}, app.Invalid(field, "RFC 3339 or YYYY-MM-DD")
	}
	if end {
		d = d.AddDate(0, 0, 1)
	}
	return d.UTC(), nil
}
