package web

import (
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"doorstep/app/storefront"
)

// mountStorefront maps shop decoration: the merchant's shop page, the
// city's home and category pages (drafts, preview, publish, history,
// rollback, templates), and the published pages customers see.
func (s *Server) mountStorefront() {
	const tag = "storefront"
	// Customers: published pages with live data (cached briefly).
	s.handle(route{Method: "GET", Path: "/v1/pages/home", Summary: "The city's home page, filled with live services, staff and coupons", Tag: tag, City: true,
		Resp: storefront.Page{}}, s.publicPage(storefront.KindHome))
	s.handle(route{Method: "GET", Path: "/v1/pages/category/:code", Summary: "A category's page, filled with live data", Tag: tag, City: true,
		Resp: storefront.Page{}}, s.publicPage(storefront.KindCategory))
	s.handle(route{Method: "GET", Path: "/v1/merchants/:id/page", Summary: "A shop's decorated page, filled with live data", Tag: tag, City: true,
		Resp: storefront.Page{}}, s.publicPage(storefront.KindShop))

	// Editors: the merchant's shop page and the city's pages share one set of
	// handlers; the owner comes from the signed-in person, never the path.
	type editor struct {
		owner, prefix, tag, perm string
	}
	for _, e := range []editor{
		{storefront.OwnerMerchant, "/v1/merchant/pages/shop", "merchant", "page:edit_shop"},
		{storefront.OwnerCity, "/v1/admin/pages/:key", "city admin", "page:edit_city"},
	} {
		which := "your shop page"
		if e.owner == storefront.OwnerCity {
			which = "a city page (key home or category:<code>)"
		}
		s.handle(route{Method: "GET", Path: e.prefix + "/draft", Summary: "The draft of " + which + "; the default template when none was saved", Tag: e.tag, City: true,
			Perm: e.perm, Resp: storefront.DraftView{}}, s.pageDraft(e.owner))
		s.handle(route{Method: "PUT", Path: e.prefix + "/draft", Summary: "Save the draft of " + which + " (draft_version must be current, else 409 stale_draft)", Tag: e.tag, City: true,
			Perm: e.perm, Body: storefront.DraftInput{}, Resp: storefront.DraftView{}}, s.savePageDraft(e.owner))
		s.handle(route{Method: "GET", Path: e.prefix + "/draft/preview", Summary: "The draft of " + which + " filled with live data", Tag: e.tag, City: true,
			Perm: e.perm, Resp: storefront.Page{}}, s.previewPage(e.owner))
		s.handle(route{Method: "POST", Path: e.prefix + "/publish", Summary: "Publish the draft of " + which + " as a new version", Tag: e.tag, City: true,
			Perm: e.perm, Body: storefront.PublishInput{}, Resp: storefront.DraftView{}}, s.publishPage(e.owner))
		s.handle(route{Method: "GET", Path: e.prefix + "/history", Summary: "The last published versions of " + which, Tag: e.tag, City: true,
			Perm: e.perm, Resp: []storefront.Version{}}, s.pageHistory(e.owner))
		s.handle(route{Method: "POST", Path: e.prefix + "/rollback", Summary: "Publish an earlier version of " + which + " again (it becomes the draft too)", Tag: e.tag, City: true,
			Perm: e.perm, Body: storefront.RollbackInput{}, Resp: storefront.DraftView{}}, s.rollbackPage(e.owner))
		s.handle(route{Method: "GET", Path: e.prefix + "/templates", Summary: "Templates to start " + which + " from", Tag: e.tag, City: true,
			Perm: e.perm, Resp: []storefront.Template{}}, s.pageTemplates(e.owner))
		s.handle(route{Method: "POST", Path: e.prefix + "/apply-template", Summary: "Replace the draft of " + which + " with a template", Tag: e.tag, City: true,
			Perm: e.perm, Body: storefront.TemplateInput{}, Resp: storefront.DraftView{}}, s.applyPageTemplate(e.owner))
	}
	s.handle(route{Method: "GET", Path: "/v1/admin/pages", Summary: "The city's saved pages", Tag: "city admin", City: true,
		Perm: "page:edit_city", Resp: []storefront.PageSummary{}}, s.cityPages)
}

// pageKey reads the :key of a city editor's path ("home",
// "category:<code>", the colon possibly escaped); the merchant's paths name
// their one page, "shop".
func pageKey(c *fiber.Ctx) (string, error) {
	raw := c.Params("key")
	if raw == "" && c.Route() != nil && !strings.Contains(c.Route().Path, ":key") {
		return storefront.KindShop, nil
	}
	k, err := url.PathUnescape(raw)
	if err != nil || k == "" || len(k) > 64 {
		return "", storefront.ErrPageNotFound
	}
	return strings.Clone(k), nil
}

func (s *Server) publicPage(kind string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		pr := storefront.PublicRef{Kind: kind}
		switch kind {
		case storefront.KindShop:
			id, err := pathID(c, "id")
			if err != nil {
				return err
			}
			pr.MerchantID = id
		case storefront.KindCategory:
			code := c.Params("code")
			if code == "" || len(code) > 64 {
				return storefront.ErrPageNotFound
			}
			pr.Category = strings.Clone(code)
		}
		b, err := s.d.Storefront.PublicJSON(c.UserContext(), pr)
		if err != nil {
			return err
		}
		return sendAnswer(c, b)
	}
}

func (s *Server) pageDraft(owner string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		key, err := pageKey(c)
		if err != nil {
			return err
		}
		out, err := s.d.Storefront.Draft(c.UserContext(), owner, key)
		if err != nil {
			return err
		}
		return c.JSON(out)
	}
}

func (s *Server) savePageDraft(owner string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		key, err := pageKey(c)
		if err != nil {
			return err
		}
		var in storefront.DraftInput
		if err := s.bind(c, &in); err != nil {
			return err
		}
		out, err := s.d.Storefront.SaveDraft(c.UserContext(), owner, key, in)
		if err != nil {
			return err
		}
		return c.JSON(out)
	}
}

func (s *Server) previewPage(owner string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		key, err := pageKey(c)
		if err != nil {
			return err
		}
		out, err := s.d.Storefront.Preview(c.UserContext(), owner, key)
		if err != nil {
			return err
		}
		return c.JSON(out)
	}
}

func (s *Server) publishPage(owner string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		key, err := pageKey(c)
		if err != nil {
			return err
		}
		var in storefront.PublishInput
		if err := s.bind(c, &in); err != nil {
			return err
		}
		out, err := s.d.Storefront.Publish(c.UserContext(), owner, key, in)
		if err != nil {
			return err
		}
		return c.JSON(out)
	}
}

func (s *Server) pageHistory(owner string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		key, err := pageKey(c)
		if err != nil {
			return err
		}
		out, err := s.d.Storefront.History(c.UserContext(), owner, key)
		if err != nil {
			return err
		}
		return c.JSON(out)
	}
}

func (s *Server) rollbackPage(owner string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		key, err := pageKey(c)
		if err != nil {
			return err
		}
		var in storefront.RollbackInput
		if err := s.bind(c, &in); err != nil {
			return err
		}
		out, err := s.d.Storefront.Rollback(c.UserContext(), owner, key, in)
		if err != nil {
			return err
		}
		return c.JSON(out)
	}
}

func (s *Server) pageTemplates(owner string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		key, err := pageKey(c)
		if err != nil {
			return err
		}
		out, err := s.d.Storefront.Templates(c.UserContext(), owner, key)
		if err != nil {
			return err
		}
		return c.JSON(out)
	}
}

func (s *Server) applyPageTemplate(owner string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		key, err := pageKey(c)
		if err != nil {
			return err
		}
		var in storefront.TemplateInput
		if err := s.bind(c, &in); err != nil {
			return err
		}
		out, err := s.d.Storefront.ApplyTemplate(c.UserContext(), owner, key, in)
		if err != nil {
			return err
		}
		return c.JSON(out)
	}
}

func (s *Server) cityPages(c *fiber.Ctx) error {
	out, err := s.d.Storefront.CityPages(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(out)
}
