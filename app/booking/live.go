package booking

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"time"

	"gorm.io/gorm"

	"doorstep/app"
	"doorstep/tenants"
)

// Broadcast carries order changes between running copies (Redis pub/sub in
// production). Subscribe returns once the subscription is active and calls
// fn for every message until ctx ends.
type Broadcast interface {
	Publish(ctx context.Context, topic, msg string) error
	Subscribe(ctx context.Context, topic string, fn func(msg string)) error
}

// Notice is one change of an order's status, as live streams send it.
type Notice struct {
	OrderID int64     `json:"order_id"`
	Status  string    `json:"status"`
	Version int64     `json:"version"`
	Event   string    `json:"event,omitempty"`
	At      time.Time `json:"at"`
	City    string    `json:"-"`
}

func topic(city string) string { return "orders:" + city }

// publishAfterCommit tells every copy about the change once the
// transaction commits.
func (s *Service) publishAfterCommit(ctx context.Context, o Order, event string) {
	c, ok := tenants.CityFrom(ctx)
	if !ok {
		return
	}
	n := Notice{OrderID: o.ID, Status: o.Status, Version: o.Version, Event: event, At: o.UpdatedAt, City: c.Code}
	tenants.AfterCommit(ctx, func() { s.live.publish(bg(ctx), n) })
}

// hub fans notices out to the open streams of this copy. It holds one
// broadcast subscription per city while any stream of that city is open.
type hub struct {
	bc  Broadcast
	log *slog.Logger

	mu     sync.Mutex
	cities map[string]*citySubs
}

type citySubs struct {
	cancel context.CancelFunc
	ready  chan struct{}
	err    error
	n      int
	orders map[int64]map[chan Notice]struct{}
}

func newHub(bc Broadcast, log *slog.Logger) *hub {
	return &hub{bc: bc, log: log, cities: map[string]*citySubs{}}
}

// wire is a Notice on the broadcast: the same fields, the city included.
type wire struct {
	OrderID int64     `json:"order_id"`
	Status  string    `json:"status"`
	Version int64     `json:"version"`
	Event   string    `json:"event"`
	At      time.Time `json:"at"`
	City    string    `json:"city"`
}

func (h *hub) publish(ctx context.Context, n Notice) {
	if h.bc == nil {
		h.deliver(n)
		return
	}
	b, _ := json.Marshal(wire(n))
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := h.bc.Publish(ctx, topic(n.City), string(b)); err != nil {
		// Streams of this copy still hear it; the others catch up at their
		// next heartbeat, which re-reads the order.
		h.log.Warn("publish order change", "order", n.OrderID, "err", err)
		h.deliver(n)
	}
}

func (h *hub) deliver(n Notice) {
	h.mu.Lock()
	defer h.mu.Unlock()
	cs := h.cities[n.City]
	if cs == nil {
		return
	}
	for ch := range cs.orders[n.OrderID] {
		select {
		case ch <- n:
		default: // a stream that cannot keep up re-reads the order at its heartbeat
		}
	}
}

// subscribe registers a stream of one order; it returns once this copy
// hears the city's changes (or the broadcast failed: the stream then relies
// on its heartbeat re-reads).
func (h *hub) subscribe(city string, orderID int64) (<-chan Notice, func()) {
	ch := make(chan Notice, 16)
	h.mu.Lock()
	cs := h.cities[city]
	if cs == nil {
		ctx, cancel := context.WithCancel(context.Background())
		cs = &citySubs{cancel: cancel, ready: make(chan struct{}), orders: map[int64]map[chan Notice]struct{}{}}
		h.cities[city] = cs
		if h.bc == nil {
			close(cs.ready)
		} else {
			go func() {
				err := h.bc.Subscribe(ctx, topic(city), func(msg string) {
					var w wire
					if json.Unmarshal([]byte(msg), &w) == nil {
						h.deliver(Notice(w))
					}
				})
				h.mu.Lock()
				cs.err = err
				h.mu.Unlock()
				close(cs.ready)
			}()
		}
	}
	cs.n++
	if cs.orders[orderID] == nil {
		cs.orders[orderID] = map[chan Notice]struct{}{}
	}
	cs.orders[orderID][ch] = struct{}{}
	h.mu.Unlock()

	select {
	case <-cs.ready:
	case <-time.After(5 * time.Second):
	}
	h.mu.Lock()
	if cs.err != nil && h.cities[city] == cs {
		h.log.Warn("live order changes unavailable; streams fall back to re-reading", "city", city, "err", cs.err)
		delete(h.cities, city) // the next stream tries again
	}
	h.mu.Unlock()

	var once sync.Once
	return ch, func() {
		once.Do(func() {
			h.mu.Lock()
			defer h.mu.Unlock()
			delete(cs.orders[orderID], ch)
			if len(cs.orders[orderID]) == 0 {
				delete(cs.orders, orderID)
			}
			cs.n--
			if cs.n == 0 {
				cs.cancel()
				if h.cities[city] == cs {
					delete(h.cities, city)
				}
			}
		})
	}
}

// Watch is one open live view of an order.
type Watch struct {
	C       <-chan Notice // changes heard from any copy
	Current Notice        // the state when the watch opened
	close   func()
	read    func() (Notice, error)
}

// Close ends the watch.
func (w *Watch) Close() { w.close() }

// Reload re-reads the order (the heartbeat backstop for lost notices).
func (w *Watch) Reload() (Notice, error) { return w.read() }

// Watch opens a live view of an order for its customer or its assigned
// staff member; anyone else gets not-found. The subscription is active
// before the current state is read, so no change falls between the two.
func (s *Service) Watch(ctx context.Context, orderID int64) (*Watch, error) {
	a, err := app.MustActor(ctx)
	if err != nil {
		return nil, err
	}
	c, err := tenants.MustCity(ctx)
	if err != nil {
		return nil, err
	}
	o, err := s.Get(ctx, orderID)
	if err != nil {
		return nil, err
	}
	p, err := partyOf(a, &o)
	if err != nil || (p != PartyCustomer && p != PartyStaff) {
		return nil, ErrOrderNotFound
	}
	ch, unsub := s.live.subscribe(c.Code, orderID)
	// The stream outlives the request's context; it keeps its city and actor.
	wctx := bg(ctx)
	read := func() (Notice, error) {
		rctx, cancel := context.WithTimeout(wctx, 5*time.Second)
		defer cancel()
		var o Order
		err := tenants.DB(rctx).Select("id, status, version, updated_at, customer_id, staff_id").Where("id = ?", orderID).Take(&o).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return Notice{}, ErrOrderNotFound
		}
		if err != nil {
			return Notice{}, err
		}
		if p == PartyStaff && o.StaffID != a.StaffID {
			return Notice{}, ErrOrderNotFound // reassigned away: the stream ends
		}
		return Notice{OrderID: o.ID, Status: o.Status, Version: o.Version, At: o.UpdatedAt, City: c.Code}, nil
	}
	cur, err := read()
	if err != nil {
		unsub()
		return nil, err
	}
	return &Watch{C: ch, Current: cur, close: unsub, read: read}, nil
}
