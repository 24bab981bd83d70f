package web

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"doorstep/app"
	"doorstep/app/booking"
)

// mountBooking maps the booking endpoints: addresses, orders and their
// live status, cancellation, the staff app's job flow, free slots,
// after-sales, and the merchant's and city's order lists.
func (s *Server) mountBooking() {
	const tag, staffTag, merchantTag, adminTag = "orders", "staff app", "merchant back office", "city admin"

	// Addresses
	s.handle(route{Method: "GET", Path: "/v1/addresses", Summary: "Your saved addresses in this city (phone and address masked)", Tag: "addresses", City: true, Perm: "address:write", Resp: []booking.Address{}}, s.listAddresses)
	s.handle(route{Method: "POST", Path: "/v1/addresses", Summary: "Save an address; the first one is the default", Tag: "addresses", City: true, Perm: "address:write", Body: booking.AddressInput{}, Resp: booking.Address{}, Status: 201}, s.createAddress)
	s.handle(route{Method: "GET", Path: "/v1/addresses/:id", Summary: "One of your addresses", Tag: "addresses", City: true, Perm: "address:write", Resp: booking.Address{}}, s.getAddress)
	s.handle(route{Method: "PUT", Path: "/v1/addresses/:id", Summary: "Replace one of your addresses; phone and address left out or empty keep their saved values (orders keep the copy they were booked with)", Tag: "addresses", City: true, Perm: "address:write", Body: booking.AddressUpdate{}, Resp: booking.Address{}}, s.updateAddress)
	s.handle(route{Method: "POST", Path: "/v1/addresses/:id/default", Summary: "Make one of your addresses the default (nothing else changes)", Tag: "addresses", City: true, Perm: "address:write", Resp: booking.Address{}}, s.defaultAddress)
	s.handle(route{Method: "DELETE", Path: "/v1/addresses/:id", Summary: "Delete one of your addresses", Tag: "addresses", City: true, Perm: "address:write", Resp: okBody{}}, s.deleteAddress)

	// Customers' orders
	s.handle(route{Method: "POST", Path: "/v1/orders", Summary: "Book a service: priced on the server; the chosen staff member's time is reserved; pay before pay_deadline", Tag: tag, City: true, Perm: "order:create", Body: booking.BookInput{}, Resp: booking.OrderView{}, Status: 201, Idem: true}, s.book)
	s.handle(route{Method: "POST", Path: "/v1/orders/quote", Summary: "What booking would cost, before booking: the same body and the same refusals as POST /v1/orders; nothing is written, reserved or used", Tag: tag, City: true, Perm: "order:create", Body: booking.BookInput{}, Resp: booking.Quote{}}, s.quote)
	s.handle(route{Method: "GET", Path: "/v1/orders", Summary: "Your orders in this city, newest first", Tag: tag, City: true, Perm: "order:read_own", Query: booking.OrderQuery{}, Resp: app.List[booking.OrderView]{}}, s.listOrders)
	s.handle(route{Method: "GET", Path: "/v1/orders/:id", Summary: "One of your orders", Tag: tag, City: true, Perm: "order:read_own", Resp: booking.OrderView{}}, s.getOrder)
	s.handle(route{Method: "GET", Path: "/v1/orders/:id/events", Summary: "The history of one of your orders", Tag: tag, City: true, Perm: "order:read_own", Resp: []booking.EventView{}}, s.orderEvents)
	s.handle(route{Method: "GET", Path: "/v1/orders/:id/stream", Summary: "Live status of one of your orders (Server-Sent Events: the status at once, then every change; a comment every 15 s)", Tag: tag, City: true, Perm: "order:read_own", Resp: "", Produce: "text/event-stream", QueryToken: true}, s.streamOrder)
	s.handle(route{Method: "POST", Path: "/v1/orders/:id/cancel", Summary: "Cancel one of your orders: free until the city's notice period before the slot, then a fee; the rest is refunded", Tag: tag, City: true, Perm: "order:cancel", Body: booking.CancelInput{}, Resp: booking.OrderView{}}, s.cancelOrder)
	s.handle(route{Method: "POST", Path: "/v1/orders/:id/aftersale", Summary: "Ask for after-sales service on a completed order (within the city's window)", Tag: "after-sales", City: true, Perm: "aftersale:create", Body: booking.AfterSaleInput{}, Resp: booking.AfterSaleView{}, Status: 201}, s.openAfterSale)
	s.handle(route{Method: "GET", Path: "/v1/aftersales", Summary: "Your after-sales cases", Tag: "after-sales", City: true, Perm: "aftersale:create", Query: booking.AfterSaleQuery{}, Resp: app.List[booking.AfterSaleView]{}}, s.listAfterSales)
	s.handle(route{Method: "GET", Path: "/v1/aftersales/:id", Summary: "One of your after-sales cases", Tag: "after-sales", City: true, Perm: "aftersale:create", Resp: booking.AfterSaleView{}}, s.getAfterSale)
	s.handle(route{Method: "POST", Path: "/v1/aftersales/:id/accept", Summary: "Accept the merchant's offer: it is refunded and the case closes", Tag: "after-sales", City: true, Perm: "aftersale:create", Resp: booking.AfterSaleView{}}, s.acceptAfterSale)
	s.handle(route{Method: "POST", Path: "/v1/aftersales/:id/escalate", Summary: "Ask the city to arbitrate the case", Tag: "after-sales", City: true, Perm: "aftersale:create", Resp: booking.AfterSaleView{}}, s.escalateAfterSale)

	// Free slots and the rules (public)
	s.handle(route{Method: "GET", Path: "/v1/staff/:id/slots", Summary: "When a staff member could take a service on a date: start times in city time and UTC", Tag: "booking", City: true, Query: slotsQuery{}, Resp: booking.FreeSlots{}}, s.freeSlots)
	s.handle(route{Method: "GET", Path: "/v1/services/:id/slots", Summary: "When a service can be booked on a date with any staff member: start times at which at least one qualified staff member is free", Tag: "booking", City: true, Query: serviceSlotsQuery{}, Resp: booking.ServiceSlots{}}, s.serviceSlots)
	s.handle(route{Method: "GET", Path: "/v1/booking-rules", Summary: "This city's booking rules: lead time, horizon, time to pay, cancellation fees, after-sales window, check-in distance", Tag: "booking", City: true, Resp: booking.Rules{}}, s.bookingRules)

	// Staff app
	s.handle(route{Method: "GET", Path: "/v1/staff/jobs", Summary: "Your jobs, the soonest first", Tag: staffTag, City: true, Perm: "job:read", Query: booking.JobQuery{}, Resp: app.List[booking.OrderView]{}}, s.listJobs)
	s.handle(route{Method: "GET", Path: "/v1/staff/jobs/:id", Summary: "One of your jobs; the customer's full address and phone from assignment until the service ends (audited)", Tag: staffTag, City: true, Perm: "job:read", Resp: booking.JobView{}}, s.getJob)
	s.handle(route{Method: "GET", Path: "/v1/staff/jobs/:id/stream", Summary: "Live status of one of your jobs (Server-Sent Events)", Tag: staffTag, City: true, Perm: "job:read", Resp: "", Produce: "text/event-stream", QueryToken: true}, s.streamOrder)
	s.handle(route{Method: "POST", Path: "/v1/staff/jobs/:id/depart", Summary: "Set off to the customer", Tag: staffTag, City: true, Perm: "job:work", Resp: booking.OrderView{}}, s.jobStep("depart"))
	s.handle(route{Method: "POST", Path: "/v1/staff/jobs/:id/arrive", Summary: "Check in at the address (refused when farther than the city allows)", Tag: staffTag, City: true, Perm: "job:work", Body: booking.Position{}, Resp: booking.OrderView{}}, s.arrive)
	s.handle(route{Method: "POST", Path: "/v1/staff/jobs/:id/start", Summary: "Start the service", Tag: staffTag, City: true, Perm: "job:work", Resp: booking.OrderView{}}, s.jobStep("start"))
	s.handle(route{Method: "POST", Path: "/v1/staff/jobs/:id/finish", Summary: "Finish the service (deposit orders: with the final price)", Tag: staffTag, City: true, Perm: "job:work", Body: booking.FinishInput{}, Resp: booking.OrderView{}}, s.finish)

	// Merchant back office
	s.handle(route{Method: "GET", Path: "/v1/merchant/orders", Summary: "Your merchant's orders, newest first", Tag: merchantTag, City: true, Perm: "order:read_merchant", Query: booking.MerchantOrderQuery{}, Resp: app.List[booking.OrderView]{}}, s.merchantOrders)
	s.handle(route{Method: "GET", Path: "/v1/merchant/orders/:id", Summary: "One of your merchant's orders", Tag: merchantTag, City: true, Perm: "order:read_merchant", Resp: booking.OrderView{}}, s.getOrder)
	s.handle(route{Method: "GET", Path: "/v1/merchant/orders/:id/events", Summary: "The history of one of your merchant's orders", Tag: merchantTag, City: true, Perm: "order:read_merchant", Resp: []booking.EventView{}}, s.orderEvents)
	s.handle(route{Method: "POST", Path: "/v1/merchant/orders/:id/assign", Summary: "Assign a paid order to one of your staff (reserves their time)", Tag: merchantTag, City: true, Perm: "dispatch:assign", Body: assignReq{}, Resp: booking.OrderView{}}, s.assign(false))
	s.handle(route{Method: "POST", Path: "/v1/merchant/orders/:id/reassign", Summary: "Move an assigned order to another of your staff", Tag: merchantTag, City: true, Perm: "dispatch:assign", Body: assignReq{}, Resp: booking.OrderView{}}, s.assign(true))
	s.handle(route{Method: "POST", Path: "/v1/merchant/orders/:id/unassign", Summary: "Take an assigned order back for dispatch", Tag: merchantTag, City: true, Perm: "dispatch:assign", Body: booking.CancelInput{}, Resp: booking.OrderView{}}, s.unassign)
	s.handle(route{Method: "GET", Path: "/v1/merchant/aftersales", Summary: "After-sales cases on your merchant's orders", Tag: merchantTag, City: true, Perm: "aftersale:respond", Query: booking.AfterSaleQuery{}, Resp: app.List[booking.AfterSaleView]{}}, s.listAfterSales)
	s.handle(route{Method: "POST", Path: "/v1/merchant/aftersales/:id/reply", Summary: "Reply to a case, with a refund offer the customer may accept", Tag: merchantTag, City: true, Perm: "aftersale:respond", Body: booking.ReplyInput{}, Resp: booking.AfterSaleView{}}, s.replyAfterSale)

	// City back office
	s.handle(route{Method: "GET", Path: "/v1/admin/orders", Summary: "The city's orders, newest first", Tag: adminTag, City: true, Perm: "order:read_city", Query: booking.CityOrderQuery{}, Resp: app.List[booking.OrderView]{}}, s.cityOrders)
	s.handle(route{Method: "GET", Path: "/v1/admin/orders/:id", Summary: "One order of the city", Tag: adminTag, City: true, Perm: "order:read_city", Resp: booking.OrderView{}}, s.getOrder)
	s.handle(route{Method: "GET", Path: "/v1/admin/orders/:id/events", Summary: "The history of one order", Tag: adminTag, City: true, Perm: "order:read_city", Resp: []booking.EventView{}}, s.orderEvents)
	s.handle(route{Method: "GET", Path: "/v1/admin/aftersales", Summary: "The city's after-sales cases", Tag: adminTag, City: true, Perm: "aftersale:arbitrate", Query: booking.AfterSaleQuery{}, Resp: app.List[booking.AfterSaleView]{}}, s.listAfterSales)
	s.handle(route{Method: "POST", Path: "/v1/admin/aftersales/:id/decide", Summary: "Arbitrate a case: the refund, who bears it, and a note (audited)", Tag: adminTag, City: true, Perm: "aftersale:arbitrate", Body: booking.DecideInput{}, Resp: booking.AfterSaleView{}}, s.decideAfterSale)
}

// idempotent answers a POST at most once per Idempotency-Key of the
// signed-in account (booking.Service.Idempotent): a retry with the same key
// and body gets the first answer again, the same key with another body is
// 422, a key still running is 409. run's result is sent as JSON with
// the status run gives. Used by POST /v1/orders and POST /v1/orders/:id/pay.
func (s *Server) idempotent(c *fiber.Ctx, run func(ctx context.Context) (status int, body any, err error)) error {
	ctx := c.UserContext()
	key := strings.Clone(c.Get("Idempotency-Key"))
	body := append([]byte(nil), c.Body()...)
	route := c.Method() + " " + strings.Clone(c.Path())
	st, resp, err := s.d.Booking.Idempotent(ctx, actor(c).AccountID, key, route, body, func() (int, []byte, error) {
		status, v, err := run(ctx)
		if err != nil {
			return 0, nil, err
		}
		b, err := json.Marshal(v)
		return status, b, err
	})
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Status(st).Send(resp)
}

func (s *Server) listAddresses(c *fiber.Ctx) error {
	out, err := s.d.Booking.Addresses(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) createAddress(c *fiber.Ctx) error {
	var in booking.AddressInput
	if err := s.bind(c, &in); err != nil {
		return err
	}
	out, err := s.d.Booking.CreateAddress(c.UserContext(), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}

func (s *Server) getAddress(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	out, err := s.d.Booking.Address(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) updateAddress(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in booking.AddressUpdate
	if err := s.bind(c, &in); err != nil {
		return err
	}
	out, err := s.d.Booking.UpdateAddress(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) defaultAddress(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	out, err := s.d.Booking.SetDefaultAddress(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) deleteAddress(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.d.Booking.DeleteAddress(c.UserContext(), id); err != nil {
		return err
	}
	return c.JSON(okBody{OK: true})
}

func (s *Server) book(c *fiber.Ctx) error {
	var in booking.BookInput
	if err := s.bind(c, &in); err != nil {
		return err
	}
	return s.idempotent(c, func(ctx context.Context) (int, any, error) {
		v, err := s.d.Booking.Book(ctx, in)
		return fiber.StatusCreated, v, err
	})
}

func (s *Server) quote(c *fiber.Ctx) error {
	var in booking.BookInput
	if err := s.bind(c, &in); err != nil {
		return err
	}
	out, err := s.d.Booking.Quote(c.UserContext(), in)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) listOrders(c *fiber.Ctx) error {
	var q booking.OrderQuery
	if err := s.query(c, &q); err != nil {
		return err
	}
	out, err := s.d.Booking.ListOrders(c.UserContext(), q)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

// getOrder serves every role's single-order read; the service decides
// whose order it is.
func (s *Server) getOrder(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	out, err := s.d.Booking.OrderFor(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) orderEvents(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	out, err := s.d.Booking.Events(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) cancelOrder(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in booking.CancelInput
	if err := s.bind(c, &in); err != nil {
		return err
	}
	out, err := s.d.Booking.Cancel(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

// Live status streams.
const (
	sseHeartbeat = 15 * time.Second
	sseMaxLife   = time.Hour // then the client reconnects (EventSource does on its own)
	sseWriteWait = 30 * time.Second
)

// streamOrder sends an order's status as Server-Sent Events: the current
// status at once, then every change (heard through the broadcast from any
// running copy), and a comment every 15 s, at which the order is also
// re-read in case a notice was lost.
func (s *Server) streamOrder(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	w, err := s.d.Booking.Watch(c.UserContext(), id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/event-stream; charset=utf-8")
	// The URL may carry an access token (?access_token=, for EventSource):
	// nothing may keep it or pass it on.
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderReferrerPolicy, "no-referrer")
	c.Set("X-Accel-Buffering", "no")
	conn := c.Context().Conn()
	c.Context().SetBodyStreamWriter(func(bw *bufio.Writer) {
		defer w.Close()
		flush := func() error {
			if conn != nil {
				// The server's write timeout covers one response; a stream
				// extends it as long as the client keeps reading.
				_ = conn.SetWriteDeadline(time.Now().Add(sseWriteWait))
			}
			return bw.Flush()
		}
		last := int64(-1)
		send := func(n booking.Notice) error {
			if n.Version <= last {
				return nil
			}
			last = n.Version
			b, _ := json.Marshal(n)
			if _, err := fmt.Fprintf(bw, "id: %d\nevent: status\ndata: %s\n\n", n.Version, b); err != nil {
				return err
			}
			return flush()
		}
		if _, err := fmt.Fprint(bw, "retry: 2000\n\n"); err != nil {
			return
		}
		if send(w.Current) != nil {
			return
		}
		beat := time.NewTicker(sseHeartbeat)
		defer beat.Stop()
		end := time.NewTimer(sseMaxLife)
		defer end.Stop()
		for {
			select {
			case n := <-w.C:
				if send(n) != nil {
					return
				}
			case <-beat.C:
				n, err := w.Reload()
				if errors.Is(err, booking.ErrOrderNotFound) {
					return
				}
				if err == nil && send(n) != nil {
					return
				}
				if _, err := fmt.Fprint(bw, ": ping\n\n"); err != nil || flush() != nil {
					return
				}
			case <-end.C:
				return
			case <-s.closing:
				return // the client reconnects to another copy (retry: 2000)
			}
		}
	})
	return nil
}

func (s *Server) openAfterSale(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in booking.AfterSaleInput
	if err := s.bind(c, &in); err != nil {
		return err
	}
	out, err := s.d.Booking.OpenAfterSale(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}

func (s *Server) listAfterSales(c *fiber.Ctx) error {
	var q booking.AfterSaleQuery
	if err := s.query(c, &q); err != nil {
		return err
	}
	out, err := s.d.Booking.ListAfterSales(c.UserContext(), q)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) getAfterSale(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	out, err := s.d.Booking.AfterSaleCase(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) acceptAfterSale(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	out, err := s.d.Booking.AcceptAfterSale(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) escalateAfterSale(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	out, err := s.d.Booking.EscalateAfterSale(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) replyAfterSale(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in booking.ReplyInput
	if err := s.bind(c, &in); err != nil {
		return err
	}
	out, err := s.d.Booking.ReplyAfterSale(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) decideAfterSale(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in booking.DecideInput
	if err := s.bind(c, &in); err != nil {
		return err
	}
	out, err := s.d.Booking.DecideAfterSale(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

type slotsQuery struct {
	ServiceID int64  `query:"service_id" validate:"required,gt=0"`
	Date      string `query:"date" validate:"required,len=10" doc:"YYYY-MM-DD in the city's time"`
}

func (s *Server) freeSlots(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var q slotsQuery
	if err := s.query(c, &q); err != nil {
		return err
	}
	out, err := s.d.Booking.FreeSlots(c.UserContext(), id, q.ServiceID, q.Date)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

type serviceSlotsQuery struct {
	Date string `query:"date" validate:"required,len=10" doc:"YYYY-MM-DD in the city's time"`
}

func (s *Server) serviceSlots(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var q serviceSlotsQuery
	if err := s.query(c, &q); err != nil {
		return err
	}
	out, err := s.d.Booking.ServiceSlots(c.UserContext(), id, q.Date)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) bookingRules(c *fiber.Ctx) error {
	out, err := s.d.Booking.Rules(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) listJobs(c *fiber.Ctx) error {
	var q booking.JobQuery
	if err := s.query(c, &q); err != nil {
		return err
	}
	out, err := s.d.Booking.ListJobs(c.UserContext(), q)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) getJob(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	out, err := s.d.Booking.Job(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) jobStep(event string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		var out booking.OrderView
		switch event {
		case "depart":
			out, err = s.d.Booking.Depart(c.UserContext(), id)
		case "start":
			out, err = s.d.Booking.Start(c.UserContext(), id)
		}
		if err != nil {
			return err
		}
		return c.JSON(out)
	}
}

func (s *Server) arrive(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in booking.Position
	if err := s.bind(c, &in); err != nil {
		return err
	}
	out, err := s.d.Booking.Arrive(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) finish(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in booking.FinishInput
	if err := s.bind(c, &in); err != nil {
		return err
	}
	out, err := s.d.Booking.Finish(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) merchantOrders(c *fiber.Ctx) error {
	var q booking.MerchantOrderQuery
	if err := s.query(c, &q); err != nil {
		return err
	}
	out, err := s.d.Booking.ListMerchantOrders(c.UserContext(), q)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) cityOrders(c *fiber.Ctx) error {
	var q booking.CityOrderQuery
	if err := s.query(c, &q); err != nil {
		return err
	}
	out, err := s.d.Booking.ListCityOrders(c.UserContext(), q)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

type assignReq struct {
	StaffID int64 `json:"staff_id" validate:"required,gt=0"`
}

func (s *Server) assign(move bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		var in assignReq
		if err := s.bind(c, &in); err != nil {
			return err
		}
		ctx := c.UserContext()
		if move {
			err = s.d.Booking.Reassign(ctx, id, in.StaffID, actor(c))
		} else {
			err = s.d.Booking.Assign(ctx, id, in.StaffID, actor(c))
		}
		if err != nil {
			return err
		}
		out, err := s.d.Booking.OrderFor(ctx, id)
		if err != nil {
			return err
		}
		return c.JSON(out)
	}
}

func (s *Server) unassign(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in booking.CancelInput
	if err := s.bind(c, &in); err != nil {
		return err
	}
	ctx := c.UserContext()
	if err := s.d.Booking.Unassign(ctx, id, actor(c), in.Reason); err != nil {
		return err
	}
	out, err := s.d.Booking.OrderFor(ctx, id)
	if err != nil {
		return err
	}
	return c.JSON(out)
}
