package web

import (
	"github.com/gofiber/fiber/v2"

	"doorstep/app/city"
	"doorstep/tenants"
)

type publicCity struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	NameEN   string `json:"name_en"`
	Zone     string `json:"zone"`
	Currency string `json:"currency"`
	Open     bool   `json:"open"`
	Notice   string `json:"notice,omitempty"`
}

func toPublicCity(c *tenants.City) publicCity {
	p := publicCity{Code: c.Code, Name: c.Name, NameEN: c.NameEN, Zone: c.Zone, Currency: c.Currency, Open: c.Open()}
	if !p.Open {
		p.Notice = "该城市暂停服务，暂不接受预约。This city is suspended and takes no bookings."
	}
	return p
}

func (s *Server) publicCities(c *fiber.Ctx) error {
	out := []publicCity{}
	for _, ct := range s.d.Reg.Cities() {
		out = append(out, toPublicCity(ct))
	}
	return c.JSON(out)
}

func (s *Server) currentCity(c *fiber.Ctx) error {
	ct, err := tenants.MustCity(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(toPublicCity(ct))
}

func (s *Server) createCity(c *fiber.Ctx) error {
	var in city.CreateInput
	if err := s.bind(c, &in); err != nil {
		return err
	}
	out, err := s.d.Cities.Create(c.UserContext(), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}

func (s *Server) listCities(c *fiber.Ctx) error {
	out, err := s.d.Cities.List(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) listPlacements(c *fiber.Ctx) error {
	out, err := s.d.Cities.Placements(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) getCity(c *fiber.Ctx) error {
	out, err := s.d.Cities.Get(c.UserContext(), c.Params("code"))
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) editCity(c *fiber.Ctx) error {
	var in city.Update
	if err := s.bind(c, &in); err != nil {
		return err
	}
	out, err := s.d.Cities.Edit(c.UserContext(), c.Params("code"), in)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) citySetStatus(status string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		out, err := s.d.Cities.SetStatus(c.UserContext(), c.Params("code"), status)
		if err != nil {
			return err
		}
		return c.JSON(out)
	}
}
