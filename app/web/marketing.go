package web

import (
	"github.com/gofiber/fiber/v2"

	"doorstep/app"
	"doorstep/app/marketing"
)

// mountMarketing maps coupons and referrals: the merchant's and the city's
// coupons, customers claiming and holding them, city grants, the referral
// code and reward.
func (s *Server) mountMarketing() {
	const tag = "marketing"
	// Customers.
	s.handle(route{Method: "GET", Path: "/v1/coupons/available", Summary: "Coupons you can claim in this city now (optionally for one service); signed in: only those you may still claim", Tag: tag, City: true,
		Access: optional, Query: marketing.AvailableQuery{}, Resp: []marketing.AvailableCoupon{}}, s.availableCoupons)
	s.handle(route{Method: "POST", Path: "/v1/coupons/:id/claim", Summary: "Claim a coupon (within its total and per-customer limits)", Tag: tag, City: true,
		Perm: "coupon:claim", Resp: marketing.MyCoupon{}, Status: 201}, s.claimCoupon)
	s.handle(route{Method: "GET", Path: "/v1/coupons/mine", Summary: "Your coupons in this city: available, used or expired", Tag: tag, City: true,
		Perm: "coupon:claim", Query: marketing.MineQuery{}, Resp: app.List[marketing.MyCoupon]{}}, s.myCoupons)
	s.handle(route{Method: "GET", Path: "/v1/me/referral", Summary: "Your referral code (made on first ask) and how many people entered it", Tag: "me",
		Access: signedIn, Resp: marketing.Referral{}}, s.myReferral)
	s.handle(route{Method: "POST", Path: "/v1/me/referrer", Summary: "Enter the referral code of whoever invited you: once, before your first order", Tag: "me",
		Access: signedIn, Body: marketing.ReferrerInput{}, Resp: marketing.ReferrerSet{}}, s.setReferrer)

	// Merchant back office: the shop's own coupons.
	s.handle(route{Method: "GET", Path: "/v1/merchant/coupons", Summary: "Your coupons, newest first", Tag: "merchant", City: true,
		Perm: "coupon:issue_merchant", Query: marketing.CouponFilter{}, Resp: app.List[marketing.Coupon]{}}, s.listCoupons)
	s.handle(route{Method: "POST", Path: "/v1/merchant/coupons", Summary: "Issue a coupon for your own services", Tag: "merchant", City: true,
		Perm: "coupon:issue_merchant", Body: marketing.CouponInput{}, Resp: marketing.Coupon{}, Status: 201}, s.createCoupon)
	s.handle(route{Method: "GET", Path: "/v1/merchant/coupons/:id", Summary: "One of your coupons", Tag: "merchant", City: true,
		Perm: "coupon:issue_merchant", Resp: marketing.Coupon{}}, s.getCoupon)
	s.handle(route{Method: "PATCH", Path: "/v1/merchant/coupons/:id", Summary: "Change, pause, resume or stop one of your coupons", Tag: "merchant", City: true,
		Perm: "coupon:issue_merchant", Body: marketing.CouponUpdate{}, Resp: marketing.Coupon{}}, s.updateCoupon)

	// City back office.
	s.handle(route{Method: "GET", Path: "/v1/admin/coupons", Summary: "The city's coupons and its merchants', newest first", Tag: "city admin", City: true,
		Perm: "coupon:issue_city", Query: marketing.CouponFilter{}, Resp: app.List[marketing.Coupon]{}}, s.listCoupons)
	s.handle(route{Method: "POST", Path: "/v1/admin/coupons", Summary: "Issue a city coupon (any service of the city)", Tag: "city admin", City: true,
		Perm: "coupon:issue_city", Body: marketing.CouponInput{}, Resp: marketing.Coupon{}, Status: 201}, s.createCoupon)
	s.handle(route{Method: "GET", Path: "/v1/admin/coupons/:id", Summary: "One coupon of the city", Tag: "city admin", City: true,
		Perm: "coupon:issue_city", Resp: marketing.Coupon{}}, s.getCoupon)
	s.handle(route{Method: "PATCH", Path: "/v1/admin/coupons/:id", Summary: "Change a city coupon; pause or stop any coupon of the city", Tag: "city admin", City: true,
		Perm: "coupon:issue_city", Body: marketing.CouponUpdate{}, Resp: marketing.Coupon{}}, s.updateCoupon)
	s.handle(route{Method: "POST", Path: "/v1/admin/coupons/:id/grant", Summary: "Give a customer (by phone) one of the city's coupons; they are told", Tag: "city admin", City: true,
		Perm: "coupon:issue_city", Body: marketing.GrantInput{}, Resp: marketing.MyCoupon{}, Status: 201}, s.grantCoupon)
	s.handle(route{Method: "GET", Path: "/v1/admin/marketing/referral", Summary: "The coupon both people get after an invitee's first completed order", Tag: "city admin", City: true,
		Perm: "coupon:issue_city", Resp: marketing.ReferralSettings{}}, s.referralSettings)
	s.handle(route{Method: "PUT", Path: "/v1/admin/marketing/referral", Summary: "Choose the referral reward coupon (0: none)", Tag: "city admin", City: true,
		Perm: "coupon:issue_city", Body: marketing.ReferralSettings{}, Resp: marketing.ReferralSettings{}}, s.setReferralSettings)
}

func (s *Server) availableCoupons(c *fiber.Ctx) error {
	var q marketing.AvailableQuery
	if err := s.query(c, &q); err != nil {
		return err
	}
	out, err := s.d.Marketing.Available(c.UserContext(), q)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) claimCoupon(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	out, err := s.d.Marketing.Claim(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}

func (s *Server) myCoupons(c *fiber.Ctx) error {
	var q marketing.MineQuery
	if err := s.query(c, &q); err != nil {
		return err
	}
	out, err := s.d.Marketing.Mine(c.UserContext(), q)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) myReferral(c *fiber.Ctx) error {
	out, err := s.d.Marketing.MyReferral(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) setReferrer(c *fiber.Ctx) error {
	var in marketing.ReferrerInput
	if err := s.bind(c, &in); err != nil {
		return err
	}
	out, err := s.d.Marketing.SetReferrer(c.UserContext(), in)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) listCoupons(c *fiber.Ctx) error {
	var q marketing.CouponFilter
	if err := s.query(c, &q); err != nil {
		return err
	}
	out, err := s.d.Marketing.Coupons(c.UserContext(), q)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) createCoupon(c *fiber.Ctx) error {
	var in marketing.CouponInput
	if err := s.bind(c, &in); err != nil {
		return err
	}
	out, err := s.d.Marketing.CreateCoupon(c.UserContext(), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}

func (s *Server) getCoupon(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	out, err := s.d.Marketing.Coupon(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) updateCoupon(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in marketing.CouponUpdate
	if err := s.bind(c, &in); err != nil {
		return err
	}
	out, err := s.d.Marketing.UpdateCoupon(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) grantCoupon(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in marketing.GrantInput
	if err := s.bind(c, &in); err != nil {
		return err
	}
	out, err := s.d.Marketing.Grant(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}

func (s *Server) referralSettings(c *fiber.Ctx) error {
	out, err := s.d.Marketing.ReferralSettings(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) setReferralSettings(c *fiber.Ctx) error {
	var in marketing.ReferralSettings
	if err := s.bind(c, &in); err != nil {
		return err
	}
	out, err := s.d.Marketing.SetReferralSettings(c.UserContext(), in)
	if err != nil {
		return err
	}
	return c.JSON(out)
}
