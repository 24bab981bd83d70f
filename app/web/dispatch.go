package web

import (
	"github.com/gofiber/fiber/v2"

	"doorstep/app/dispatch"
)

// mountDispatch maps the dispatch endpoints: the dispatch policy of the
// city and of a merchant, how an order was dispatched (decisions with their
// explanations, offers), the merchant's manual dispatch board, and the
// staff app's job offers. Manual assignment itself is booking's
// /v1/merchant/orders/:id/assign and /reassign; dispatch records them.
func (s *Server) mountDispatch() {
	const merchantTag, adminTag, staffTag = "merchant back office", "city admin", "staff app"

	// City back office.
	s.handle(route{Method: "GET", Path: "/v1/admin/dispatch-policy", Summary: "The city's default dispatch policy (built-in until set)", Tag: adminTag, City: true,
		Perm: "dispatch_policy:read", Resp: dispatch.PolicyView{}}, s.cityDispatchPolicy)
	s.handle(route{Method: "PUT", Path: "/v1/admin/dispatch-policy", Summary: "Change the city's default dispatch policy; fields left out keep their value (audited)", Tag: adminTag, City: true,
		Perm: "dispatch_policy:write", Body: dispatch.PolicyInput{}, Resp: dispatch.PolicyView{}}, s.setCityDispatchPolicy)
	s.handle(route{Method: "GET", Path: "/v1/admin/orders/:id/dispatch", Summary: "How an order of the city was dispatched: decisions with their explanations, offers", Tag: adminTag, City: true,
		Perm: "dispatch:read", Resp: dispatch.History{}}, s.dispatchHistory)

	// Merchant back office.
	s.handle(route{Method: "GET", Path: "/v1/merchant/dispatch-policy", Summary: "The dispatch policy your orders follow: your own, else the city's", Tag: merchantTag, City: true,
		Perm: "dispatch_policy:read", Resp: dispatch.PolicyView{}}, s.merchantDispatchPolicy)
	s.handle(route{Method: "PUT", Path: "/v1/merchant/dispatch-policy", Summary: "Set your own dispatch policy (owner); fields left out keep the current value (audited)", Tag: merchantTag, City: true,
		Perm: "dispatch_policy:write", Body: dispatch.PolicyInput{}, Resp: dispatch.PolicyView{}}, s.setMerchantDispatchPolicy)
	s.handle(route{Method: "DELETE", Path: "/v1/merchant/dispatch-policy", Summary: "Drop your own dispatch policy: the city's applies again (owner, audited)", Tag: merchantTag, City: true,
		Perm: "dispatch_policy:write", Resp: dispatch.PolicyView{}}, s.clearMerchantDispatchPolicy)
	s.handle(route{Method: "GET", Path: "/v1/merchant/orders/:id/dispatch", Summary: "How one of your orders was dispatched: who was considered, who was excluded by which rule, the scores and the choice", Tag: merchantTag, City: true,
		Perm: "dispatch:read", Resp: dispatch.History{}}, s.dispatchHistory)
	s.handle(route{Method: "GET", Path: "/v1/merchant/dispatch/board", Summary: "Dispatch board: orders waiting for staff, orders at risk, your staff with duty, location age, today's jobs and next job", Tag: merchantTag, City: true,
		Perm: "dispatch:read", Resp: dispatch.Board{}}, s.dispatchBoard)

	// Staff app.
	s.handle(route{Method: "GET", Path: "/v1/staff/offers", Summary: "Job offers waiting for your answer, with seconds left (district and distance only, no address)", Tag: staffTag, City: true,
		Perm: "job:read", Resp: []dispatch.OfferView{}}, s.staffOffers)
	s.handle(route{Method: "POST", Path: "/v1/staff/offers/:id/accept", Summary: "Take the job of an offer before its deadline (409 when it was taken or the time is gone)", Tag: staffTag, City: true,
		Perm: "job:work", Resp: dispatch.OfferView{}}, s.acceptOffer)
	s.handle(route{Method: "POST", Path: "/v1/staff/offers/:id/decline", Summary: "Say no to an offer; it goes to the next candidate", Tag: staffTag, City: true,
		Perm: "job:work", Body: dispatch.DeclineInput{}, Resp: dispatch.OfferView{}}, s.declineOffer)
}

func (s *Server) cityDispatchPolicy(c *fiber.Ctx) error {
	out, err := s.d.Dispatch.CityPolicy(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) setCityDispatchPolicy(c *fiber.Ctx) error {
	var in dispatch.PolicyInput
	if err := s.bind(c, &in); err != nil {
		return err
	}
	out, err := s.d.Dispatch.SetCityPolicy(c.UserContext(), in)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) merchantDispatchPolicy(c *fiber.Ctx) error {
	out, err := s.d.Dispatch.MerchantPolicy(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) setMerchantDispatchPolicy(c *fiber.Ctx) error {
	var in dispatch.PolicyInput
	if err := s.bind(c, &in); err != nil {
		return err
	}
	out, err := s.d.Dispatch.SetMerchantPolicy(c.UserContext(), in)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) clearMerchantDispatchPolicy(c *fiber.Ctx) error {
	out, err := s.d.Dispatch.ClearMerchantPolicy(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) dispatchHistory(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	out, err := s.d.Dispatch.History(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) dispatchBoard(c *fiber.Ctx) error {
	out, err := s.d.Dispatch.Board(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) staffOffers(c *fiber.Ctx) error {
	out, err := s.d.Dispatch.Offers(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) acceptOffer(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	out, err := s.d.Dispatch.Accept(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) declineOffer(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in dispatch.DeclineInput
	if err := s.bind(c, &in); err != nil {
		return err
	}
	out, err := s.d.Dispatch.Decline(c.UserContext(), id, in.Reason)
	if err != nil {
		return err
	}
	return c.JSON(out)
}
