package staff

import (
	"context"
	"errors"
	"time"

	"doorstep/app/catalog"
	"doorstep/app/merchant"
	"doorstep/tenants"
)

// PublicProfile is what customers see of a staff member. It never holds a
// phone number, an account id, an area or a location.
type PublicProfile struct {
	ID              int64                 `json:"id"`
	DisplayName     string                `json:"display_name"`
	PhotoURL        string                `json:"photo_url"`
	Bio             string                `json:"bio"`
	YearsExperience int                   `json:"years_experience"`
	Skills          []catalog.SkillBrief  `json:"skills"`
	Certifications  []PublicCert          `json:"certifications"`
	RatingAvg       int                   `json:"rating_avg"`
	RatingCount     int64                 `json:"rating_count"`
	CompletedJobs   int64                 `json:"completed_jobs"`
	Merchant        catalog.MerchantBrief `json:"merchant"`
}

// ProfilePage is a public profile with the newest reviews of the staff
// member's jobs.
type ProfilePage struct {
	PublicProfile
	Reviews []catalog.ReviewBrief `json:"reviews"`
}

// PublicCert is a verified, unexpired certification as customers see it.
type PublicCert struct {
	Name      string `json:"name"`
	Issuer    string `json:"issuer"`
	SkillCode string `json:"skill_code,omitempty"`
	ExpiresOn string `json:"expires_on,omitempty"`
}

// recentReviews is how many reviews a profile shows.
const recentReviews = 5

// publicProfiles builds profiles of rows (all of one merchant m).
func (s *Service) publicProfiles(ctx context.Context, rows []Staff, m merchant.Merchant) ([]PublicProfile, error) {
	c, err := tenants.MustCity(ctx)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	certs := map[int64][]PublicCert{}
	if len(ids) > 0 {
		var cs []Certification
		if err := tenants.DB(ctx).Where("staff_id IN ? AND status = ? AND (expires_on IS NULL OR expires_on >= ?)", ids, CertVerified,
			time.Now().In(c.Loc).Format(time.DateOnly)).Order("id").Find(&cs).Error; err != nil {
			return nil, err
		}
		for _, x := range cs {
			pc := PublicCert{Name: x.Name, Issuer: x.Issuer, SkillCode: x.SkillCode}
			if x.ExpiresOn != nil {
				pc.ExpiresOn = x.ExpiresOn.Format(time.DateOnly)
			}
			certs[x.StaffID] = append(certs[x.StaffID], pc)
		}
	}
	out := make([]PublicProfile, 0, len(rows))
	for _, r := range rows {
		skills, err := s.catalog.SkillBriefs(ctx, r.Skills)
		if err != nil {
			return nil, err
		}
		p := PublicProfile{ID: r.ID, DisplayName: r.DisplayName, PhotoURL: r.PhotoURL, Bio: r.Bio, YearsExperience: r.YearsExperience,
			Skills: skills, Certifications: certs[r.ID], RatingAvg: r.RatingAvg, RatingCount: r.RatingCount, CompletedJobs: r.CompletedJobs,
			Merchant: catalog.MerchantBrief{ID: m.ID, Name: m.Name}}
		if p.Certifications == nil {
			p.Certifications = []PublicCert{}
		}
		out = append(out, p)
	}
	return out, nil
}

// Profile returns an active staff member's public profile with recent
// reviews (404 for inactive staff or a suspended shop).
func (s *Service) Profile(ctx context.Context, id int64) (ProfilePage, error) {
	st, err := s.Get(ctx, id)
	if err != nil {
		return ProfilePage{}, err
	}
	if st.Status != StatusActive {
		return ProfilePage{}, ErrStaffNotFound
	}
	m, err := s.merchants.Get(ctx, st.MerchantID)
	if err != nil {
		return ProfilePage{}, err
	}
	if m.Status != merchant.StatusActive {
		return ProfilePage{}, ErrStaffNotFound
	}
	ps, err := s.publicProfiles(ctx, []Staff{st}, m)
	if err != nil {
		return ProfilePage{}, err
	}
	p := ProfilePage{PublicProfile: ps[0]}
	if p.Reviews, err = (*s.reviews.Load()).RecentStaffReviews(ctx, st.ID, recentReviews); err != nil {
		return ProfilePage{}, err
	}
	if p.Reviews == nil {
		p.Reviews = []catalog.ReviewBrief{}
	}
	return p, nil
}

// ForItem lists the public profiles of the staff who can do a bookable
// item: active staff of its shop whose skills cover the item's.
func (s *Service) ForItem(ctx context.Context, itemID int64) ([]PublicProfile, error) {
	it, err := s.catalog.Bookable(ctx, itemID)
	if err != nil {
		if errors.Is(err, catalog.ErrItemUnavailable) {
			return nil, catalog.ErrItemNotFound
		}
		return nil, err
	}
	m, err := s.merchants.Get(ctx, it.MerchantID)
	if err != nil {
		return nil, err
	}
	rows, err := s.Qualified(ctx, it.MerchantID, it.SkillMask)
	if err != nil {
		return nil, err
	}
	return s.publicProfiles(ctx, rows, m)
}
