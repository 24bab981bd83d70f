package web

import (
	"github.com/gofiber/fiber/v2"

	"doorstep/app"
	"doorstep/app/merchant"
)

// mountMerchants maps the merchants endpoints.
func (s *Server) mountMerchants() {
	// Customers: apply to open a shop; see a shop.
	s.handle(route{Method: "POST", Path: "/v1/merchant-applications", Summary: "Apply to open a shop in this city (one open application per person)", Tag: "merchants", City: true,
		Perm: "merchant_application:create", Body: merchant.ApplicationInput{}, Resp: merchant.Application{}, Status: 201}, s.applyMerchant)
	s.handle(route{Method: "GET", Path: "/v1/merchant-applications/mine", Summary: "Your applications in this city", Tag: "merchants", City: true,
		Perm: "merchant_application:create", Resp: []merchant.Application{}}, s.myApplications)
	s.handle(route{Method: "PUT", Path: "/v1/merchant-applications/:id", Summary: "Edit and resubmit an application the city sent back for more information", Tag: "merchants", City: true,
		Perm: "merchant_application:create", Body: merchant.ApplicationInput{}, Resp: merchant.Application{}}, s.resubmitApplication)
	s.handle(route{Method: "GET", Path: "/v1/merchants/:id", Summary: "A shop's public page", Tag: "merchants", City: true,
		Resp: merchant.PublicShop{}}, s.publicShop)

	// City back office: the review queue and the city's merchants.
	s.handle(route{Method: "GET", Path: "/v1/admin/merchant-applications", Summary: "Applications to review, oldest first (status default pending; all for every status)", Tag: "city admin", City: true,
		Perm: "merchant_application:review", Query: merchant.ApplicationFilter{}, Resp: app.List[merchant.Application]{}}, s.applicationQueue)
	s.handle(route{Method: "GET", Path: "/v1/admin/merchant-applications/:id", Summary: "One application", Tag: "city admin", City: true,
		Perm: "merchant_application:review", Resp: merchant.Application{}}, s.applicationOne)
	s.handle(route{Method: "POST", Path: "/v1/admin/merchant-applications/:id/approve", Summary: "Approve: the shop opens and the applicant becomes its owner (safe to repeat)", Tag: "city admin", City: true,
		Perm: "merchant_application:review", Body: approveReq{}, Resp: merchant.Approval{}}, s.approveApplication)
	s.handle(route{Method: "POST", Path: "/v1/admin/merchant-applications/:id/reject", Summary: "Reject with a reason the applicant sees", Tag: "city admin", City: true,
		Perm: "merchant_application:review", Body: rejectReq{}, Resp: merchant.Application{}}, s.rejectApplication)
	s.handle(route{Method: "POST", Path: "/v1/admin/merchant-applications/:id/more-info", Summary: "Send back to the applicant asking for more information", Tag: "city admin", City: true,
		Perm: "merchant_application:review", Body: moreInfoReq{}, Resp: merchant.Application{}}, s.moreInfoApplication)
	s.handle(route{Method: "GET", Path: "/v1/admin/merchants", Summary: "The city's merchants", Tag: "city admin", City: true,
		Perm: "merchant:read", Query: merchant.MerchantFilter{}, Resp: app.List[merchant.Merchant]{}}, s.adminMerchants)
	s.handle(route{Method: "GET", Path: "/v1/admin/merchants/:id", Summary: "One merchant", Tag: "city admin", City: true,
		Perm: "merchant:read", Resp: merchant.AdminMerchant{}}, s.adminMerchant)
	s.handle(route{Method: "POST", Path: "/v1/admin/merchants/:id/suspend", Summary: "Suspend a shop: its services leave browse and cannot be booked", Tag: "city admin", City: true,
		Perm: "merchant:manage", Body: suspendReq{}, Resp: merchant.Merchant{}}, s.suspendMerchant)
	s.handle(route{Method: "POST", Path: "/v1/admin/merchants/:id/resume", Summary: "Reopen a suspended shop", Tag: "city admin", City: true,
		Perm: "merchant:manage", Resp: merchant.Merchant{}}, s.resumeMerchant)
	s.handle(route{Method: "PATCH", Path: "/v1/admin/merchants/:id/commission", Summary: "Set a shop's commission (basis points), or null for the city default", Tag: "city admin", City: true,
		Perm: "merchant:manage", Body: merchant.CommissionInput{}, Resp: merchant.Merchant{}}, s.merchantCommission)

	// Merchant back office: the shop and its dispatchers.
	s.handle(route{Method: "GET", Path: "/v1/merchant/shop", Summary: "Your shop", Tag: "merchant", City: true,
		Perm: "shop:read", Resp: merchant.Merchant{}}, s.myShop)
	s.handle(route{Method: "PATCH", Path: "/v1/merchant/shop", Summary: "Change your shop: name, logo, intro, contact, categories, area, opening hours", Tag: "merchant", City: true,
		Perm: "shop:update", Body: merchant.ShopUpdate{}, Resp: merchant.Merchant{}}, s.updateShop)
	s.handle(route{Method: "GET", Path: "/v1/merchant/dispatchers", Summary: "Your dispatchers", Tag: "merchant", City: true,
		Perm: "dispatcher:manage", Resp: []merchant.Dispatcher{}}, s.dispatchers)
	s.handle(route{Method: "POST", Path: "/v1/merchant/dispatchers", Summary: "Make a person (by phone) a dispatcher of your shop", Tag: "merchant", City: true,
		Perm: "dispatcher:manage", Body: merchant.DispatcherInput{}, Resp: merchant.Dispatcher{}, Status: 201}, s.addDispatcher)
	s.handle(route{Method: "DELETE", Path: "/v1/merchant/dispatchers/:account_id", Summary: "Remove a dispatcher of your shop", Tag: "merchant", City: true,
		Perm: "dispatcher:manage", Resp: okBody{}}, s.removeDispatcher)
}

type approveReq struct {
	Note string `json:"note"`
}

type rejectReq struct {
	Reason string `json:"reason" validate:"required"`
}

type moreInfoReq struct {
	Note string `json:"note" validate:"required"`
}

type suspendReq struct {
	Reason string `json:"reason" validate:"required"`
}

func (s *Server) applyMerchant(c *fiber.Ctx) error {
	var in merchant.ApplicationInput
	if err := s.bind(c, &in); err != nil {
		return err
	}
	out, err := s.d.Merchants.Apply(c.UserContext(), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}

func (s *Server) myApplications(c *fiber.Ctx) error {
	out, err := s.d.Merchants.MyApplications(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) resubmitApplication(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in merchant.ApplicationInput
	if err := s.bind(c, &in); err != nil {
		return err
	}
	out, err := s.d.Merchants.Resubmit(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) publicShop(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	out, err := s.d.Merchants.Public(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) applicationQueue(c *fiber.Ctx) error {
	var q merchant.ApplicationFilter
	if err := s.query(c, &q); err != nil {
		return err
	}
	out, err := s.d.Merchants.Applications(c.UserContext(), q)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) applicationOne(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	out, err := s.d.Merchants.Application(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) approveApplication(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in approveReq
	if err := s.bind(c, &in); err != nil {
		return err
	}
	out, err := s.d.Merchants.Approve(c.UserContext(), id, in.Note)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) rejectApplication(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in rejectReq
	if err := s.bind(c, &in); err != nil {
		return err
	}
	out, err := s.d.Merchants.Reject(c.UserContext(), id, in.Reason)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) moreInfoApplication(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in moreInfoReq
	if err := s.bind(c, &in); err != nil {
		return err
	}
	out, err := s.d.Merchants.AskMoreInfo(c.UserContext(), id, in.Note)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) adminMerchants(c *fiber.Ctx) error {
	var q merchant.MerchantFilter
	if err := s.query(c, &q); err != nil {
		return err
	}
	out, err := s.d.Merchants.List(c.UserContext(), q)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) adminMerchant(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	out, err := s.d.Merchants.AdminGet(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) suspendMerchant(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in suspendReq
	if err := s.bind(c, &in); err != nil {
		return err
	}
	out, err := s.d.Merchants.Suspend(c.UserContext(), id, in.Reason)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) resumeMerchant(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	out, err := s.d.Merchants.Resume(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) merchantCommission(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in merchant.CommissionInput
	if err := s.bind(c, &in); err != nil {
		return err
	}
	out, err := s.d.Merchants.SetCommission(c.UserContext(), id, in.CommissionBPS)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) myShop(c *fiber.Ctx) error {
	out, err := s.d.Merchants.Shop(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) updateShop(c *fiber.Ctx) error {
	var in merchant.ShopUpdate
	if err := s.bind(c, &in); err != nil {
		return err
	}
	out, err := s.d.Merchants.UpdateShop(c.UserContext(), in)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) dispatchers(c *fiber.Ctx) error {
	out, err := s.d.Merchants.Dispatchers(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) addDispatcher(c *fiber.Ctx) error {
	var in merchant.DispatcherInput
	if err := s.bind(c, &in); err != nil {
		return err
	}
	out, err := s.d.Merchants.AddDispatcher(c.UserContext(), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}

func (s *Server) removeDispatcher(c *fiber.Ctx) error {
	id, err := pathID(c, "account_id")
	if err != nil {
		return err
	}
	if err := s.d.Merchants.RemoveDispatcher(c.UserContext(), id); err != nil {
		return err
	}
	return c.JSON(okBody{OK: true})
}
