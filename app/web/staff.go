package web

import (
	"github.com/gofiber/fiber/v2"

	"doorstep/app"
	"doorstep/app/staff"
)

// mountStaff maps the staff endpoints.
func (s *Server) mountStaff() {
	// Merchant back office: the team.
	s.handle(route{Method: "GET", Path: "/v1/merchant/staff", Summary: "Your staff", Tag: "merchant", City: true, Perm: "staff:read",
		Query: staff.Filter{}, Resp: app.List[staff.View]{}}, s.staffList)
	s.handle(route{Method: "POST", Path: "/v1/merchant/staff", Summary: "Add a person to your staff by phone (they get an SMS and sign in with that number)", Tag: "merchant", City: true, Perm: "staff:write",
		Body: staff.Input{}, Resp: staff.View{}, Status: 201}, s.staffInvite)
	s.handle(route{Method: "GET", Path: "/v1/merchant/staff/:id", Summary: "One of your staff, with certifications and days off", Tag: "merchant", City: true, Perm: "staff:read",
		Resp: staff.View{}}, s.staffOne)
	s.handle(route{Method: "PATCH", Path: "/v1/merchant/staff/:id", Summary: "Change one of your staff: profile, skills, area, working hours", Tag: "merchant", City: true, Perm: "staff:write",
		Body: staff.Update{}, Resp: staff.View{}}, s.staffEdit)
	s.handle(route{Method: "POST", Path: "/v1/merchant/staff/:id/deactivate", Summary: "Take a person off your staff (their staff role goes)", Tag: "merchant", City: true, Perm: "staff:write",
		Resp: staff.View{}}, s.staffStatus(false))
	s.handle(route{Method: "POST", Path: "/v1/merchant/staff/:id/activate", Summary: "Bring a deactivated person back", Tag: "merchant", City: true, Perm: "staff:write",
		Resp: staff.View{}}, s.staffStatus(true))
	s.handle(route{Method: "PUT", Path: "/v1/merchant/staff/:id/days-off", Summary: "Replace the upcoming days off of one of your staff", Tag: "merchant", City: true, Perm: "staff:write",
		Body: staff.DaysOffInput{}, Resp: staff.DaysOffInput{}}, s.staffDaysOff)
	s.handle(route{Method: "GET", Path: "/v1/merchant/staff/:id/certifications", Summary: "Certifications of one of your staff", Tag: "merchant", City: true, Perm: "staff:read",
		Resp: []staff.CertView{}}, s.staffCerts)
	s.handle(route{Method: "POST", Path: "/v1/merchant/staff/:id/certifications", Summary: "Add a certification to one of your staff (pending verification)", Tag: "merchant", City: true, Perm: "staff:write",
		Body: staff.CertInput{}, Resp: staff.CertView{}, Status: 201}, s.staffAddCert)
	s.handle(route{Method: "POST", Path: "/v1/merchant/staff/:id/certifications/:cert_id/verify", Summary: "Verify or reject a certification of one of your staff", Tag: "merchant", City: true, Perm: "certification:verify",
		Body: staff.VerifyInput{}, Resp: staff.CertView{}}, s.verifyStaffCert)
	s.handle(route{Method: "GET", Path: "/v1/merchant/certifications", Summary: "Your staff's certifications to verify, oldest first", Tag: "merchant", City: true, Perm: "certification:verify",
		Query: staff.CertFilter{}, Resp: app.List[staff.CertView]{}}, s.certQueue)
	s.handle(route{Method: "POST", Path: "/v1/merchant/certifications/:id/verify", Summary: "Verify or reject a certification of your staff", Tag: "merchant", City: true, Perm: "certification:verify",
		Body: staff.VerifyInput{}, Resp: staff.CertView{}}, s.verifyCert)

	// City back office.
	s.handle(route{Method: "GET", Path: "/v1/admin/staff", Summary: "The city's staff (optionally of one merchant)", Tag: "city admin", City: true, Perm: "staff:read",
		Query: staff.Filter{}, Resp: app.List[staff.View]{}}, s.adminStaffList)
	s.handle(route{Method: "GET", Path: "/v1/admin/staff/:id", Summary: "Any staff member of the city", Tag: "city admin", City: true, Perm: "staff:read",
		Resp: staff.View{}}, s.adminStaffOne)
	s.handle(route{Method: "GET", Path: "/v1/admin/certifications", Summary: "Certifications to verify in the city, oldest first", Tag: "city admin", City: true, Perm: "certification:verify",
		Query: staff.CertFilter{}, Resp: app.List[staff.CertView]{}}, s.certQueue)
	s.handle(route{Method: "POST", Path: "/v1/admin/certifications/:id/verify", Summary: "Verify or reject any certification of the city", Tag: "city admin", City: true, Perm: "certification:verify",
		Body: staff.VerifyInput{}, Resp: staff.CertView{}}, s.verifyCert)

	// Staff app.
	s.handle(route{Method: "GET", Path: "/v1/staff/me", Summary: "Your staff profile, shop, duty, skills and certifications", Tag: "staff", City: true, Perm: "job:read",
		Resp: staff.Me{}}, s.staffMe)
	s.handle(route{Method: "POST", Path: "/v1/staff/me/duty", Summary: "Go on or off duty", Tag: "staff", City: true, Perm: "job:work",
		Body: dutyReq{}, Resp: staff.Duty{}}, s.staffDuty)
	s.handle(route{Method: "POST", Path: "/v1/staff/me/location", Summary: "Report where you are", Tag: "staff", City: true, Perm: "job:work",
		Body: staff.LocationInput{}, Resp: staff.Duty{}}, s.staffLocation)
	s.handle(route{Method: "POST", Path: "/v1/staff/me/certifications", Summary: "Add a certification of yours (pending verification)", Tag: "staff", City: true, Perm: "job:work",
		Body: staff.CertInput{}, Resp: staff.CertView{}, Status: 201}, s.staffAddMyCert)

	// Customers.
	s.handle(route{Method: "GET", Path: "/v1/staff/:id/profile", Summary: "A staff member's public profile: skills, verified certifications, rating, reviews", Tag: "catalog", City: true,
		Resp: staff.ProfilePage{}}, s.staffProfile)
	s.handle(route{Method: "GET", Path: "/v1/services/:id/staff", Summary: "Staff who can do this service", Tag: "catalog", City: true,
		Resp: []staff.PublicProfile{}}, s.serviceStaff)
}

type dutyReq struct {
	OnDuty *bool `json:"on_duty" validate:"required"`
}

func (s *Server) staffList(c *fiber.Ctx) error {
	var q staff.Filter
	if err := s.query(c, &q); err != nil {
		return err
	}
	out, err := s.d.Staff.List(c.UserContext(), q)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) staffInvite(c *fiber.Ctx) error {
	var in staff.Input
	if err := s.bind(c, &in); err != nil {
		return err
	}
	out, err := s.d.Staff.Invite(c.UserContext(), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}

func (s *Server) staffOne(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	out, err := s.d.Staff.One(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) staffEdit(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in staff.Update
	if err := s.bind(c, &in); err != nil {
		return err
	}
	out, err := s.d.Staff.Edit(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) staffStatus(active bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		var out staff.View
		if active {
			out, err = s.d.Staff.Activate(c.UserContext(), id)
		} else {
			out, err = s.d.Staff.Deactivate(c.UserContext(), id)
		}
		if err != nil {
			return err
		}
		return c.JSON(out)
	}
}

func (s *Server) staffDaysOff(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in staff.DaysOffInput
	if err := s.bind(c, &in); err != nil {
		return err
	}
	days, err := s.d.Staff.SetDaysOff(c.UserContext(), id, in.Days)
	if err != nil {
		return err
	}
	return c.JSON(staff.DaysOffInput{Days: days})
}

func (s *Server) staffCerts(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	out, err := s.d.Staff.Certifications(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) staffAddCert(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in staff.CertInput
	if err := s.bind(c, &in); err != nil {
		return err
	}
	out, err := s.d.Staff.AddCertification(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}

func (s *Server) verifyStaffCert(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	cid, err := pathID(c, "cert_id")
	if err != nil {
		return err
	}
	var in staff.VerifyInput
	if err := s.bind(c, &in); err != nil {
		return err
	}
	out, err := s.d.Staff.Verify(c.UserContext(), id, cid, in)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) certQueue(c *fiber.Ctx) error {
	var q staff.CertFilter
	if err := s.query(c, &q); err != nil {
		return err
	}
	out, err := s.d.Staff.CertQueue(c.UserContext(), q)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) verifyCert(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in staff.VerifyInput
	if err := s.bind(c, &in); err != nil {
		return err
	}
	out, err := s.d.Staff.Verify(c.UserContext(), 0, id, in)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) adminStaffList(c *fiber.Ctx) error {
	var q staff.Filter
	if err := s.query(c, &q); err != nil {
		return err
	}
	out, err := s.d.Staff.AdminList(c.UserContext(), q)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) adminStaffOne(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	out, err := s.d.Staff.AdminOne(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) staffMe(c *fiber.Ctx) error {
	out, err := s.d.Staff.Me(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) staffDuty(c *fiber.Ctx) error {
	var in dutyReq
	if err := s.bind(c, &in); err != nil {
		return err
	}
	out, err := s.d.Staff.SetDuty(c.UserContext(), *in.OnDuty)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) staffLocation(c *fiber.Ctx) error {
	var in staff.LocationInput
	if err := s.bind(c, &in); err != nil {
		return err
	}
	out, err := s.d.Staff.SetLocation(c.UserContext(), in.Lat, in.Lng)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) staffAddMyCert(c *fiber.Ctx) error {
	var in staff.CertInput
	if err := s.bind(c, &in); err != nil {
		return err
	}
	out, err := s.d.Staff.AddMyCertification(c.UserContext(), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}

func (s *Server) staffProfile(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	out, err := s.d.Staff.Profile(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) serviceStaff(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	out, err := s.d.Staff.ForItem(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(out)
}
