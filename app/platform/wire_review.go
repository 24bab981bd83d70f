package platform

import "doorstep/app/review"

// wireReview assembles the review capability: reviews, replies, reports and
// moderation, with the stars of each review added to (and, by moderation,
// taken out of) the ratings of the item, the staff member and the merchant
// in the review's own transaction, and the review reminder task.
func (p *Platform) wireReview() error {
	p.Reviews = review.New(review.Deps{
		Orders:    p.Booking,
		Items:     p.Catalog,
		Staff:     p.Staff,
		Merchants: p.Merchants,
		Names:     p.Accounts,
		Notify:    p.Notify,
		Outbox:    p.Outbox,
		Audit:     p.Audit,
		Log:       p.Log,
	})
	p.tasks[review.TaskRemind] = p.Reviews.HandleRemind
	return nil
}
