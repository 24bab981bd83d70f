package merchant

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"doorstep/app"
	"doorstep/app/catalog"
	"doorstep/app/geo"
	"doorstep/app/pii"
	"doorstep/rbac"
	"doorstep/tenants"
)

// Shop returns the signed-in merchant's own shop.
func (s *Service) Shop(ctx context.Context) (Merchant, error) {
	a, err := merchantActor(ctx)
	if err != nil {
		return Merchant{}, err
	}
	return s.Get(ctx, a.MerchantID)
}

// ShopUpdate changes the shop; absent fields stay.
type ShopUpdate struct {
	Name         *string   `json:"name"`
	LogoURL      *string   `json:"logo_url"`
	Intro        *string   `json:"intro"`
	ContactName  *string   `json:"contact_name"`
	ContactPhone *string   `json:"contact_phone"`
	Categories   *[]string `json:"categories"`
	Area         *geo.Area `json:"area"`
	OpeningHours *Hours    `json:"opening_hours" doc:"{\"1\": [\"09:00\", \"18:00\"], ...}: weekday (0 = Sunday) to opening and closing time in city time; a missing day is closed"`
}

// CheckHours validates opening hours.
func CheckHours(h Hours) error {
	for d, span := range h {
		if d < 0 || d > 6 {
			return app.Invalid("opening_hours", "weekdays are 0 (Sunday) to 6 (Saturday)")
		}
		if span[0] < 0 || span[1] > 24*60 || span[0] >= span[1] {
			return app.Invalid("opening_hours", fmt.Sprintf("weekday %d: opening must be before closing, within 00:00-24:00", d))
		}
	}
	return nil
}

// UpdateShop changes the signed-in merchant's shop.
func (s *Service) UpdateShop(ctx context.Context, u ShopUpdate) (Merchant, error) {
	a, err := merchantActor(ctx)
	if err != nil {
		return Merchant{}, err
	}
	set := map[string]any{}
	if u.Name != nil {
		n := strings.TrimSpace(*u.Name)
		if c := utf8.RuneCountInString(n); c < 2 || c > 64 {
			return Merchant{}, app.Invalid("name", "2 to 64 characters")
		}
		set["name"] = n
	}
	if u.LogoURL != nil {
		l := strings.TrimSpace(*u.LogoURL)
		if l != "" && !catalog.HTTPURL(l) {
			return Merchant{}, app.Invalid("logo_url", "an http(s) URL")
		}
		set["logo_url"] = l
	}
	if u.Intro != nil {
		in := strings.TrimSpace(*u.Intro)
		if utf8.RuneCountInString(in) > 1000 {
			return Merchant{}, app.Invalid("intro", "at most 1000 characters")
		}
		set["intro"] = in
	}
	if u.ContactName != nil {
		n := strings.TrimSpace(*u.ContactName)
		if c := utf8.RuneCountInString(n); c < 1 || c > 32 {
			return Merchant{}, app.Invalid("contact_name", "1 to 32 characters")
		}
		set["contact_name"] = n
	}
	if u.ContactPhone != nil {
		p, ok := pii.NormalizePhone(*u.ContactPhone)
		if !ok {
			return Merchant{}, app.Invalid("contact_phone", "an 11-digit mainland mobile number")
		}
		set["contact_phone_enc"], set["contact_phone_masked"] = s.box.Seal(p), pii.MaskPhone(p)
	}
	if u.Categories != nil {
		if len(*u.Categories) > 10 {
			return Merchant{}, app.Invalid("categories", "at most 10")
		}
		cats, err := s.catalog.CheckCategories(ctx, *u.Categories) // HQ: before the city transaction
		if err != nil {
			return Merchant{}, err
		}
		set["categories"] = jsonText(cats)
	}
	if u.Area != nil {
		if err := catalog.CheckArea("area", u.Area); err != nil {
			return Merchant{}, err
		}
		set["area"] = jsonText(u.Area)
	}
	if u.OpeningHours != nil {
		if err := CheckHours(*u.OpeningHours); err != nil {
			return Merchant{}, err
		}
		set["opening_hours"] = *u.OpeningHours
	}
	if len(set) == 0 {
		return s.Get(ctx, a.MerchantID)
	}
	set["updated_at"] = time.Now().UTC()
	if err := tenants.DB(ctx).Model(&Merchant{}).Where("id = ?", a.MerchantID).Updates(set).Error; err != nil {
		return Merchant{}, fmt.Errorf("update shop %d: %w", a.MerchantID, err)
	}
	m, err := s.Get(ctx, a.MerchantID)
	if err != nil {
		return Merchant{}, err
	}
	s.catalog.Invalidate(ctx)
	if _, ok := set["name"]; ok {
		if err := s.provision(ctx, m); err != nil {
			s.log.Warn("merchant directory not updated; the provision task retries", "merchant", m.ID, "err", err)
			_ = s.queueProvision(ctx, m.ID)
		}
	}
	s.audit.Record(ctx, "merchant.shop_update", "merchant", fmt.Sprint(m.ID), "ok", fieldsOf(set))
	return m, nil
}

func fieldsOf(set map[string]any) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		if k != "updated_at" && k != "contact_phone_masked" {
			out = append(out, strings.TrimSuffix(k, "_enc"))
		}
	}
	return out
}

// PublicShop is what customers see of a shop. It never holds contact data.
type PublicShop struct {
	ID           int64                   `json:"id"`
	Name         string                  `json:"name"`
	LogoURL      string                  `json:"logo_url"`
	Intro        string                  `json:"intro"`
	RatingAvg    int                     `json:"rating_avg"`
	RatingCount  int64                   `json:"rating_count"`
	Categories   []catalog.CategoryBrief `json:"categories"`
	ItemsOnShelf int64                   `json:"items_on_shelf"`
	OpeningHours Hours                   `json:"opening_hours"`
	Area         geo.Area                `json:"area"`
	Since        time.Time               `json:"since"`
}

// Public returns an active shop's public summary (404 otherwise).
func (s *Service) Public(ctx context.Context, id int64) (PublicShop, error) {
	m, err := s.Get(ctx, id)
	if err != nil {
		return PublicShop{}, err
	}
	if m.Status != StatusActive {
		return PublicShop{}, ErrMerchantNotFound
	}
	n, err := s.catalog.CountOnShelf(ctx, m.ID)
	if err != nil {
		return PublicShop{}, err
	}
	cb, err := s.catalog.CategoryBriefs(ctx, m.Categories)
	if err != nil {
		return PublicShop{}, err
	}
	return PublicShop{ID: m.ID, Name: m.Name, LogoURL: m.LogoURL, Intro: m.Intro, RatingAvg: m.RatingAvg, RatingCount: m.RatingCount,
		Categories: cb, ItemsOnShelf: n, OpeningHours: m.OpeningHours, Area: m.Area, Since: m.CreatedAt}, nil
}

// DispatcherInput invites a dispatcher by phone.
type DispatcherInput struct {
	Phone string `json:"phone" validate:"required"`
	Name  string `json:"name" doc:"display name for a person who has no account yet"`
}

// Dispatcher is one person who dispatches for a shop.
type Dispatcher struct {
	AccountID int64     `json:"account_id"`
	Name      string    `json:"name"`
	Phone     string    `json:"phone"` // masked
	Since     time.Time `json:"since"`
}

// AddDispatcher gives a person (found or invited by phone) the
// merchant_dispatcher role for the signed-in merchant's shop.
func (s *Service) AddDispatcher(ctx context.Context, in DispatcherInput) (Dispatcher, error) {
	a, err := merchantActor(ctx)
	if err != nil {
		return Dispatcher{}, err
	}
	c, err := tenants.MustCity(ctx)
	if err != nil {
		return Dispatcher{}, err
	}
	m, err := s.Get(ctx, a.MerchantID)
	if err != nil {
		return Dispatcher{}, err
	}
	id, _, err := s.accounts.FindOrInviteByPhone(ctx, in.Phone, strings.TrimSpace(in.Name))
	if err != nil {
		return Dispatcher{}, err
	}
	g, err := s.en.AddGrant(ctx, rbac.Grant{AccountID: id, Domain: c.Domain(), Role: app.RoleMerchantDispatcher, MerchantID: a.MerchantID, GrantedBy: a.AccountID})
	if err != nil {
		return Dispatcher{}, err
	}
	if err := s.notify.Tell(ctx, id, "dispatcher_invited", map[string]string{"merchant": m.Name}, map[string]string{"merchant_id": fmt.Sprint(m.ID)},
		fmt.Sprintf("%d:%d", m.ID, g.ID)); err != nil {
		s.log.Warn("dispatcher invitation notice not queued", "merchant", m.ID, "err", err)
	}
	s.audit.Record(ctx, "role.grant", "account", fmt.Sprint(id), "ok", map[string]any{"domain": c.Domain(), "role": app.RoleMerchantDispatcher, "merchant_id": a.MerchantID})
	briefs, err := s.accounts.Briefs(ctx, []int64{id})
	if err != nil {
		return Dispatcher{}, err
	}
	b := briefs[id]
	return Dispatcher{AccountID: id, Name: b.DisplayName, Phone: b.Phone, Since: g.CreatedAt}, nil
}

// Dispatchers lists the signed-in merchant's dispatchers.
func (s *Service) Dispatchers(ctx context.Context) ([]Dispatcher, error) {
	a, err := merchantActor(ctx)
	if err != nil {
		return nil, err
	}
	c, err := tenants.MustCity(ctx)
	if err != nil {
		return nil, err
	}
	gs, err := s.en.GrantsIn(ctx, c.Domain(), app.RoleMerchantDispatcher, a.MerchantID)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, 0, len(gs))
	for _, g := range gs {
		ids = append(ids, g.AccountID)
	}
	briefs, err := s.accounts.Briefs(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]Dispatcher, 0, len(gs))
	for _, g := range gs {
		if g.MerchantID != a.MerchantID { // GrantsIn treats 0 as "any merchant"; never show others'
			continue
		}
		b := briefs[g.AccountID]
		out = append(out, Dispatcher{AccountID: g.AccountID, Name: b.DisplayName, Phone: b.Phone, Since: g.CreatedAt})
	}
	return out, nil
}

// RemoveDispatcher takes the dispatcher role of the signed-in merchant's
// shop away from a person (404 when they do not hold it for this shop).
func (s *Service) RemoveDispatcher(ctx context.Context, accountID int64) error {
	a, err := merchantActor(ctx)
	if err != nil {
		return err
	}
	c, err := tenants.MustCity(ctx)
	if err != nil {
		return err
	}
	if err := s.en.RemoveGrant(ctx, accountID, c.Domain(), app.RoleMerchantDispatcher, a.MerchantID); err != nil {
		var ae *app.Error
		if errors.As(err, &ae) && ae.Kind == app.KindNotFound {
			return ErrDispatcherNotFound
		}
		return err
	}
	s.audit.Record(ctx, "role.revoke", "account", fmt.Sprint(accountID), "ok", map[string]any{"domain": c.Domain(), "role": app.RoleMerchantDispatcher, "merchant_id": a.MerchantID})
	return nil
}
