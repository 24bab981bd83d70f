package web

import (
	"context"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"doorstep/app/city"
	"doorstep/app/privacy"
	"doorstep/tenants"
)

// mountHQ maps headquarters' work across cities: lists over every city
// (partial, never failed, when a city is slow or down), platform-wide
// policies and the city's view of them, moving a city to another
// placement, re-sealing personal data after a key rotation, and a city
// admin's audited reveal of a customer's phone.
func (s *Server) mountHQ() {
	const hqTag, adminTag = "hq", "city admin"
	s.handle(route{Method: "GET", Path: "/v1/hq/orders", Summary: "Orders of every city, newest first; a slow or unreachable city makes the page partial (missing_cities), never failed", Tag: hqTag,
		Perm: "crosscity:read", Query: city.OrdersQuery{}, Resp: city.CrossList[city.HQOrder]{}}, s.hqOrders)
	s.handle(route{Method: "GET", Path: "/v1/hq/merchants", Summary: "Merchants of every city, newest first (partial when a city is slow or down)", Tag: hqTag,
		Perm: "crosscity:read", Query: city.MerchantsQuery{}, Resp: city.CrossList[city.HQMerchant]{}}, s.hqMerchants)
	s.handle(route{Method: "GET", Path: "/v1/hq/aftersales", Summary: "After-sales cases of every city, newest first (partial when a city is slow or down)", Tag: hqTag,
		Perm: "crosscity:read", Query: city.AfterSalesQuery{}, Resp: city.CrossList[city.HQAfterSale]{}}, s.hqAfterSales)
	s.handle(route{Method: "GET", Path: "/v1/hq/customers", Summary: "People with orders, newest account first, with their order count per city (partial when a city is slow or down)", Tag: hqTag,
		Perm: "crosscity:read", Query: city.CustomersQuery{}, Resp: city.CrossList[city.Customer]{}}, s.hqCustomers)

	s.handle(route{Method: "GET", Path: "/v1/hq/policies", Summary: "Platform-wide defaults: new cities' commission, cancellation, after-sales window, payment timeout", Tag: hqTag,
		Perm: "platform_policy:read", Resp: city.Policies{}}, s.hqPolicies)
	s.handle(route{Method: "PUT", Path: "/v1/hq/policies", Summary: "Change platform-wide defaults; cities without their own value follow (audited)", Tag: hqTag,
		Perm: "platform_policy:write", Body: city.PoliciesUpdate{}, Resp: city.Policies{}}, s.hqSetPolicies)

	s.handle(route{Method: "POST", Path: "/v1/hq/cities/:code/move", Summary: "Move a city's schema to another placement: pause its bookings, copy and verify every table, switch, resume; undone on failure (audited)", Tag: hqTag,
		Perm: "city:update", Body: city.MoveInput{}, Resp: city.MoveResult{}}, s.moveCity)
	s.handle(route{Method: "GET", Path: "/v1/hq/cities/:code/moves", Summary: "A city's moves between placements, newest first", Tag: hqTag,
		Perm: "city:read", Resp: []city.Move{}}, s.cityMoves)

	s.handle(route{Method: "POST", Path: "/v1/hq/privacy/reseal", Summary: "Re-seal personal data of HQ and every city under the active key now (after a key rotation)", Tag: hqTag,
		Perm: "platform_policy:write", Resp: privacy.Queued{}}, s.resealNow)
	s.handle(route{Method: "GET", Path: "/v1/hq/privacy/reseal", Summary: "Rows still sealed under an old key, per city and table", Tag: hqTag,
		Perm: "platform_policy:read", Resp: privacy.Status{}}, s.resealStatus)

	s.handle(route{Method: "GET", Path: "/v1/admin/policies", Summary: "The city's booking rules: its own values over HQ's defaults", Tag: adminTag, City: true,
		Perm: "city_policy:read", Resp: city.CityPolicies{}}, s.cityPolicies)
	s.handle(route{Method: "PUT", Path: "/v1/admin/policies", Summary: "Set the city's own booking rules, or reset them to HQ's defaults (audited)", Tag: adminTag, City: true,
		Perm: "city_policy:write", Body: city.CityPoliciesUpdate{}, Resp: city.CityPolicies{}}, s.setCityPolicies)
	s.handle(route{Method: "POST", Path: "/v1/admin/orders/:id/reveal-contact", Summary: "See the customer's phone on an order of the city, for a dispute (audited with the reason)", Tag: adminTag, City: true,
		Perm: "personal_data:reveal", Body: privacy.RevealInput{}, Resp: privacy.Contact{}}, s.revealContact)
}

func (s *Server) hqOrders(c *fiber.Ctx) error {
	var q city.OrdersQuery
	if err := s.query(c, &q); err != nil {
		return err
	}
	out, err := s.d.HQ.Orders(c.UserContext(), q)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) hqMerchants(c *fiber.Ctx) error {
	var q city.MerchantsQuery
	if err := s.query(c, &q); err != nil {
		return err
	}
	out, err := s.d.HQ.Merchants(c.UserContext(), q)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) hqAfterSales(c *fiber.Ctx) error {
	var q city.AfterSalesQuery
	if err := s.query(c, &q); err != nil {
		return err
	}
	out, err := s.d.HQ.AfterSales(c.UserContext(), q)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) hqCustomers(c *fiber.Ctx) error {
	var q city.CustomersQuery
	if err := s.query(c, &q); err != nil {
		return err
	}
	out, err := s.d.HQ.Customers(c.UserContext(), q)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) hqPolicies(c *fiber.Ctx) error {
	out, err := s.d.HQ.Policies(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) hqSetPolicies(c *fiber.Ctx) error {
	var in city.PoliciesUpdate
	if err := s.bind(c, &in); err != nil {
		return err
	}
	out, err := s.d.HQ.SetPolicies(c.UserContext(), in)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

// moveTimeout bounds a move started over HTTP: it runs on after the client
// gives up (detached from the request's deadline); the CLI suits big cities.
const moveTimeout = 30 * time.Minute

func (s *Server) moveCity(c *fiber.Ctx) error {
	code := strings.ToLower(strings.Clone(c.Params("code")))
	if !tenants.ValidCode(code) {
		return city.ErrCityNotFound
	}
	var in city.MoveInput
	if err := s.bind(c, &in); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.UserContext()), moveTimeout)
	defer cancel()
	out, err := s.d.HQ.Move(ctx, code, in, nil)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) cityMoves(c *fiber.Ctx) error {
	code := strings.ToLower(strings.Clone(c.Params("code")))
	if !tenants.ValidCode(code) {
		return city.ErrCityNotFound
	}
	out, err := s.d.HQ.Moves(c.UserContext(), code)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) resealNow(c *fiber.Ctx) error {
	out, err := s.d.Privacy.QueueAll(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) resealStatus(c *fiber.Ctx) error {
	out, err := s.d.Privacy.Status(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) cityPolicies(c *fiber.Ctx) error {
	out, err := s.d.HQ.CityPolicies(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) setCityPolicies(c *fiber.Ctx) error {
	var in city.CityPoliciesUpdate
	if err := s.bind(c, &in); err != nil {
		return err
	}
	out, err := s.d.HQ.SetCityPolicies(c.UserContext(), in)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) revealContact(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in privacy.RevealInput
	if err := s.bind(c, &in); err != nil {
		return err
	}
	out, err := s.d.Privacy.RevealContact(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return c.JSON(out)
}
