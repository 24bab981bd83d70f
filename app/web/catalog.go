package web

import (
	"bytes"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"doorstep/app"
	"doorstep/app/catalog"
)

// mountCatalog maps the catalog endpoints.
func (s *Server) mountCatalog() {
	// Public: the category tree, the city's skills, browse and item pages.
	s.handle(route{Method: "GET", Path: "/v1/categories", Summary: "The service category tree (active categories)", Tag: "catalog",
		Resp: []catalog.CategoryNode{}}, s.categoryTree)
	s.handle(route{Method: "GET", Path: "/v1/skills", Summary: "Skills staff can have in this city (and services can need)", Tag: "catalog", City: true,
		Resp: []catalog.Skill{}}, s.skills)
	s.handle(route{Method: "GET", Path: "/v1/services", Summary: "Browse and search services: category (parent includes children), keywords, price, rating, location; cursor paging", Tag: "catalog", City: true,
		Query: catalog.BrowseQuery{}, Resp: app.List[catalog.BrowseItem]{}}, s.browse)
	s.handle(route{Method: "GET", Path: "/v1/services/:id", Summary: "A service's page: the item, its shop and recent reviews", Tag: "catalog", City: true,
		Resp: catalog.ItemDetail{}}, s.serviceDetail)

	// HQ: the category tree.
	s.handle(route{Method: "GET", Path: "/v1/hq/categories", Summary: "Every category, hidden ones too", Tag: "hq", Perm: "category:write",
		Resp: []catalog.Category{}}, s.hqCategories)
	s.handle(route{Method: "POST", Path: "/v1/hq/categories", Summary: "Add a category (code: a-z, 0-9, _)", Tag: "hq", Perm: "category:write",
		Body: catalog.CategoryInput{}, Resp: catalog.Category{}, Status: 201}, s.createCategory)
	s.handle(route{Method: "PATCH", Path: "/v1/hq/categories/:code", Summary: "Rename, move, sort, hide or show a category", Tag: "hq", Perm: "category:write",
		Body: catalog.CategoryUpdate{}, Resp: catalog.Category{}}, s.updateCategory)
	s.handle(route{Method: "DELETE", Path: "/v1/hq/categories/:code", Summary: "Remove a category; one that services use is hidden instead", Tag: "hq", Perm: "category:write",
		Resp: catalog.CategoryRemoval{}}, s.removeCategory)

	// Merchant back office: service items.
	s.handle(route{Method: "GET", Path: "/v1/merchant/items", Summary: "Your services", Tag: "merchant", City: true, Perm: "service_item:read",
		Query: catalog.ItemFilter{}, Resp: app.List[catalog.ServiceItem]{}}, s.merchantItems)
	s.handle(route{Method: "POST", Path: "/v1/merchant/items", Summary: "Add a service (off shelf until you shelve it)", Tag: "merchant", City: true, Perm: "service_item:write",
		Body: catalog.ItemInput{}, Resp: catalog.ServiceItem{}, Status: 201}, s.createItem)
	s.handle(route{Method: "GET", Path: "/v1/merchant/items/:id", Summary: "One of your services", Tag: "merchant", City: true, Perm: "service_item:read",
		Resp: catalog.ServiceItem{}}, s.merchantItem)
	s.handle(route{Method: "PATCH", Path: "/v1/merchant/items/:id", Summary: "Change one of your services", Tag: "merchant", City: true, Perm: "service_item:write",
		Body: catalog.ItemUpdate{}, Resp: catalog.ServiceItem{}}, s.updateItem)
	s.handle(route{Method: "DELETE", Path: "/v1/merchant/items/:id", Summary: "Remove one of your services (orders keep their copy)", Tag: "merchant", City: true, Perm: "service_item:write",
		Resp: okBody{}}, s.deleteItem)
	s.handle(route{Method: "POST", Path: "/v1/merchant/items/:id/on-shelf", Summary: "Put a service on shelf (needs an active shop)", Tag: "merchant", City: true, Perm: "service_item:write",
		Resp: catalog.ServiceItem{}}, s.shelve(true))
	s.handle(route{Method: "POST", Path: "/v1/merchant/items/:id/off-shelf", Summary: "Take a service off shelf", Tag: "merchant", City: true, Perm: "service_item:write",
		Resp: catalog.ServiceItem{}}, s.shelve(false))
}

// sendJSON sends bytes marshalled once (and possibly cached): the slice is
// never written to again, so it goes out without a copy.
func sendJSON(c *fiber.Ctx, b []byte) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(b)
}

// sendAnswer sends a cached answer, gzipped when the client takes gzip and
// the answer was big enough to be kept gzipped.
func sendAnswer(c *fiber.Ctx, a catalog.Answer) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	c.Set(fiber.HeaderVary, fiber.HeaderAcceptEncoding)
	if ae := c.Request().Header.Peek(fiber.HeaderAcceptEncoding); a.Gzip != nil && bytes.Contains(ae, []byte("gzip")) && !bytes.Contains(ae, []byte("gzip;q=0")) {
		c.Set(fiber.HeaderContentEncoding, "gzip")
		return c.Send(a.Gzip)
	}
	return c.Send(a.JSON)
}

func (s *Server) categoryTree(c *fiber.Ctx) error {
	b, err := s.d.Catalog.CategoriesJSON(c.UserContext())
	if err != nil {
		return err
	}
	return sendJSON(c, b)
}

func (s *Server) skills(c *fiber.Ctx) error {
	out, err := s.d.Catalog.Skills(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(out)
}

var errBadQuery = app.E(app.KindInvalid, "invalid_query", "bad query parameter")

// browseQuery reads GET /v1/services parameters by hand: this is the
// hottest endpoint, and the reflective query parser costs more than the
// cached answer.
func browseQuery(c *fiber.Ctx) (catalog.BrowseQuery, error) {
	var q catalog.BrowseQuery
	var bad string
	c.Context().QueryArgs().VisitAll(func(k, v []byte) {
		if bad != "" {
			return
		}
		var err error
		switch string(k) {
		case "category":
			q.Category = string(v)
		case "q":
			q.Q = string(v)
		case "sort":
			q.Sort = string(v)
		case "cursor":
			q.Cursor = string(v)
		case "min_price":
			q.MinPrice, err = strconv.ParseInt(string(v), 10, 64)
		case "max_price":
			q.MaxPrice, err = strconv.ParseInt(string(v), 10, 64)
		case "min_rating":
			q.MinRating, err = strconv.Atoi(string(v))
		case "radius_m":
			q.RadiusM, err = strconv.Atoi(string(v))
		case "limit":
			q.Limit, err = strconv.Atoi(string(v))
		case "lat":
			q.Lat, err = strconv.ParseFloat(string(v), 64)
		case "lng":
			q.Lng, err = strconv.ParseFloat(string(v), 64)
		}
		if err != nil {
			bad = string(k)
		}
	})
	if bad != "" {
		return q, errBadQuery.WithMessage("bad query parameter: %s must be a number", bad)
	}
	return q, nil
}

func (s *Server) browse(c *fiber.Ctx) error {
	q, err := browseQuery(c)
	if err != nil {
		return err
	}
	a, err := s.d.Catalog.BrowseJSON(c.UserContext(), q)
	if err != nil {
		return err
	}
	return sendAnswer(c, a)
}

func (s *Server) serviceDetail(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	a, err := s.d.Catalog.DetailJSON(c.UserContext(), id)
	if err != nil {
		return err
	}
	return sendAnswer(c, a)
}

func (s *Server) hqCategories(c *fiber.Ctx) error {
	out, err := s.d.Catalog.Categories(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) createCategory(c *fiber.Ctx) error {
	var in catalog.CategoryInput
	if err := s.bind(c, &in); err != nil {
		return err
	}
	out, err := s.d.Catalog.CreateCategory(c.UserContext(), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}

func (s *Server) updateCategory(c *fiber.Ctx) error {
	var in catalog.CategoryUpdate
	if err := s.bind(c, &in); err != nil {
		return err
	}
	out, err := s.d.Catalog.UpdateCategory(c.UserContext(), c.Params("code"), in)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) removeCategory(c *fiber.Ctx) error {
	out, err := s.d.Catalog.RemoveCategory(c.UserContext(), c.Params("code"))
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) merchantItems(c *fiber.Ctx) error {
	var q catalog.ItemFilter
	if err := s.query(c, &q); err != nil {
		return err
	}
	out, err := s.d.Catalog.MerchantItems(c.UserContext(), q)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) createItem(c *fiber.Ctx) error {
	var in catalog.ItemInput
	if err := s.bind(c, &in); err != nil {
		return err
	}
	out, err := s.d.Catalog.CreateItem(c.UserContext(), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}

func (s *Server) merchantItem(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	out, err := s.d.Catalog.MerchantItem(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) updateItem(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in catalog.ItemUpdate
	if err := s.bind(c, &in); err != nil {
		return err
	}
	out, err := s.d.Catalog.UpdateItem(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) deleteItem(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.d.Catalog.DeleteItem(c.UserContext(), id); err != nil {
		return err
	}
	return c.JSON(okBody{OK: true})
}

func (s *Server) shelve(on bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		out, err := s.d.Catalog.SetShelf(c.UserContext(), id, on)
		if err != nil {
			return err
		}
		return c.JSON(out)
	}
}
