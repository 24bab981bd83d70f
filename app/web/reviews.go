package web

import (
	"context"

	"github.com/gofiber/fiber/v2"

	"doorstep/app"
	"doorstep/app/review"
)

// mountReviews maps the reviews endpoints: the customer's review of an
// order, public lists, the merchant's reply and list, reports, and the
// city's moderation.
func (s *Server) mountReviews() {
	// Customers
	s.handle(route{Method: "POST", Path: "/v1/orders/:id/review", Summary: "Review your completed order (once): stars, text, photos, anonymous or not", Tag: "reviews", City: true, Perm: "review:create", Body: review.CreateInput{}, Resp: review.Mine{}, Status: 201}, s.createReview)
	s.handle(route{Method: "POST", Path: "/v1/reviews/:id/report", Summary: "Report a review to the city's moderators (once per person)", Tag: "reviews", City: true, Perm: "review:report", Body: review.ReportInput{}, Resp: okBody{}, Status: 201}, s.reportReview)

	// Public
	s.handle(route{Method: "GET", Path: "/v1/services/:id/reviews", Summary: "Reviews of a service item, newest first", Tag: "reviews", City: true, Query: app.Page{}, Resp: app.List[review.Public]{}}, s.publicReviews(s.d.Reviews.ForItem))
	s.handle(route{Method: "GET", Path: "/v1/staff/:id/reviews", Summary: "Reviews of a staff member's jobs, newest first", Tag: "reviews", City: true, Query: app.Page{}, Resp: app.List[review.Public]{}}, s.publicReviews(s.d.Reviews.ForStaff))
	s.handle(route{Method: "GET", Path: "/v1/merchants/:id/reviews", Summary: "Reviews of a merchant's orders, newest first", Tag: "reviews", City: true, Query: app.Page{}, Resp: app.List[review.Public]{}}, s.publicReviews(s.d.Reviews.ForMerchant))

	// Merchant back office
	s.handle(route{Method: "GET", Path: "/v1/merchant/reviews", Summary: "Reviews of your orders (hidden ones marked), filter by reply and stars", Tag: "merchant reviews", City: true, Perm: "review:reply", Query: merchantReviewQuery{}, Resp: app.List[review.MerchantView]{}}, s.merchantReviews)
	s.handle(route{Method: "POST", Path: "/v1/merchant/reviews/:id/reply", Summary: "Reply to a review of your order (once)", Tag: "merchant reviews", City: true, Perm: "review:reply", Body: review.ReplyInput{}, Resp: review.MerchantView{}}, s.replyReview)

	// City back office: moderation
	s.handle(route{Method: "GET", Path: "/v1/admin/reviews", Summary: "Reviews for moderation; reported=1 is the queue of reviews with open reports", Tag: "review moderation", City: true, Perm: "review:moderate", Query: adminReviewQuery{}, Resp: app.List[review.AdminView]{}}, s.adminReviews)
	s.handle(route{Method: "POST", Path: "/v1/admin/reviews/:id/hide", Summary: "Hide a review; its stars stay unless remove_rating or the reason is fraudulent; closes its reports", Tag: "review moderation", City: true, Perm: "review:moderate", Body: review.HideInput{}, Resp: review.AdminView{}}, s.hideReview)
	s.handle(route{Method: "POST", Path: "/v1/admin/reviews/:id/unhide", Summary: "Show a hidden review again and count its stars", Tag: "review moderation", City: true, Perm: "review:moderate", Resp: review.AdminView{}}, s.unhideReview)
	s.handle(route{Method: "POST", Path: "/v1/admin/reviews/:id/dismiss", Summary: "Close a review's open reports, leaving it as it is", Tag: "review moderation", City: true, Perm: "review:moderate", Resp: review.AdminView{}}, s.dismissReviewReports)
}

func (s *Server) createReview(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in review.CreateInput
	if err := s.bind(c, &in); err != nil {
		return err
	}
	out, err := s.d.Reviews.Create(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(out)
}

func (s *Server) reportReview(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in review.ReportInput
	if err := s.bind(c, &in); err != nil {
		return err
	}
	if err := s.d.Reviews.Report(c.UserContext(), id, in); err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(okBody{OK: true})
}

func (s *Server) publicReviews(list func(ctx context.Context, id int64, p app.Page) (app.List[review.Public], error)) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		var q app.Page
		if err := s.query(c, &q); err != nil {
			return err
		}
		out, err := list(c.UserContext(), id, q)
		if err != nil {
			return err
		}
		return c.JSON(out)
	}
}

type merchantReviewQuery struct {
	HasReply string `query:"has_reply" validate:"omitempty,oneof=true false 1 0" doc:"true: only replied; false: only awaiting a reply"`
	Stars    int    `query:"stars" validate:"omitempty,min=1,max=5" doc:"overall stars"`
	Cursor   string `query:"cursor"`
	Limit    int    `query:"limit"`
}

func (s *Server) merchantReviews(c *fiber.Ctx) error {
	var q merchantReviewQuery
	if err := s.query(c, &q); err != nil {
		return err
	}
	f := review.MerchantFilter{Stars: q.Stars, Page: app.Page{Cursor: q.Cursor, Limit: q.Limit}}
	if q.HasReply != "" {
		v := q.HasReply == "true" || q.HasReply == "1"
		f.HasReply = &v
	}
	out, err := s.d.Reviews.MerchantList(c.UserContext(), f)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) replyReview(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in review.ReplyInput
	if err := s.bind(c, &in); err != nil {
		return err
	}
	out, err := s.d.Reviews.Reply(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

type adminReviewQuery struct {
	Reported   string `query:"reported" validate:"omitempty,oneof=true false 1 0" doc:"1: only reviews with open reports"`
	Status     string `query:"status" validate:"omitempty,oneof=visible hidden"`
	MerchantID int64  `query:"merchant_id"`
	Cursor     string `query:"cursor"`
	Limit      int    `query:"limit"`
}

func (s *Server) adminReviews(c *fiber.Ctx) error {
	var q adminReviewQuery
	if err := s.query(c, &q); err != nil {
		return err
	}
	out, err := s.d.Reviews.AdminList(c.UserContext(), review.AdminFilter{Reported: q.Reported == "1" || q.Reported == "true",
		Status: q.Status, MerchantID: q.MerchantID, Page: app.Page{Cursor: q.Cursor, Limit: q.Limit}})
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) hideReview(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in review.HideInput
	if err := s.bind(c, &in); err != nil {
		return err
	}
	out, err := s.d.Reviews.Hide(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) unhideReview(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	out, err := s.d.Reviews.Unhide(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) dismissReviewReports(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	out, err := s.d.Reviews.DismissReports(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(out)
}
