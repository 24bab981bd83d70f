package platform

import (
	"context"

	"doorstep/app/catalog"
	"doorstep/app/merchant"
	"doorstep/app/review"
	"doorstep/app/staff"
)

// wireSupply assembles the supply capability: the catalog (categories,
// skills, service items, browse), merchants and staff.
func (p *Platform) wireSupply() error {
	p.Catalog = catalog.New(p.Reg, p.Audit, p.Bus, catalog.Config{}, p.Log)
	p.Merchants = merchant.New(p.Reg, p.RBAC, p.Box, p.Audit, p.Notify, p.Accounts, p.Catalog, p.Outbox, p.Log)
	p.Staff = staff.New(p.Reg, p.RBAC, p.Audit, p.Notify, p.Accounts, p.Catalog, p.Merchants, p.Log)

	// Reviews are built after supply: these read p.Reviews when asked.
	p.Catalog.UseReviews(laterReviews{p})
	p.Staff.UseReviews(laterReviews{p})

	// Browse caches of the other copies drop a city's answers when it
	// changes here. The subscription lives as long as the Redis client
	// (closed by Close); a lost notice costs at most the cache TTL.
	p.Bus.Subscribe(context.Background(), "catalog", p.Catalog.Invalidated)

	p.tasks[merchant.TaskProvision] = p.Merchants.HandleProvision
	p.seeds = append(p.seeds, p.Catalog.SeedSkills)
	return nil
}

// laterReviews reads the review service at call time (it is constructed
// after supply); until it exists, items and staff show no reviews.
type laterReviews struct{ p *Platform }

func (l laterReviews) RecentReviews(ctx context.Context, itemID int64, n int) ([]catalog.ReviewBrief, error) {
	if l.p.Reviews == nil {
		return []catalog.ReviewBrief{}, nil
	}
	rs, err := l.p.Reviews.Recent(ctx, itemID, n)
	return briefs(rs), err
}

func (l laterReviews) RecentStaffReviews(ctx context.Context, staffID int64, n int) ([]catalog.ReviewBrief, error) {
	if l.p.Reviews == nil {
		return []catalog.ReviewBrief{}, nil
	}
	rs, err := l.p.Reviews.RecentForStaff(ctx, staffID, n)
	return briefs(rs), err
}

func briefs(rs []review.Brief) []catalog.ReviewBrief {
	out := make([]catalog.ReviewBrief, 0, len(rs))
	for _, r := range rs {
		out = append(out, catalog.ReviewBrief{ID: r.ID, Reviewer: r.Reviewer, Overall: r.Overall, Content: r.Content, Photos: r.Photos, CreatedAt: r.CreatedAt})
	}
	return out
}
