package marketing

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"doorstep/app"
	"doorstep/tenants"
)

// CouponCard is a coupon as customers see it.
type CouponCard struct {
	ID            int64     `json:"id"`
	Title         string    `json:"title"`
	Summary       string    `json:"summary" doc:"满100减20, 无门槛减10, 8.5折 最高减30元"`
	Issuer        string    `json:"issuer"`
	MerchantID    int64     `json:"merchant_id,omitempty"`
	Kind          string    `json:"kind"`
	AmountFen     int64     `json:"amount_fen"`
	PercentBPS    int64     `json:"percent_bps"`
	CapFen        int64     `json:"cap_fen"`
	MinSpendFen   int64     `json:"min_spend_fen"`
	CategoryCodes []string  `json:"category_codes"`
	ItemIDs       []int64   `json:"item_ids"`
	Audience      string    `json:"audience"`
	ValidFrom     time.Time `json:"valid_from"`
	ValidTo       time.Time `json:"valid_to"`
	Remaining     int64     `json:"remaining" doc:"how many are left to claim; -1: no limit"`
}

// yuan writes fen as a person reads a price: "100", "9.9".
func yuan(f int64) string {
	s := app.FormatYuan(f)
	s = strings.TrimSuffix(s, ".00")
	if strings.Contains(s, ".") {
		s = strings.TrimSuffix(s, "0")
	}
	return s
}

// Summary says what a coupon is worth in the words of Chinese shops.
func (c Coupon) Summary() string {
	var b strings.Builder
	switch c.Kind {
	case KindAmount:
		if c.MinSpendFen > 0 {
			fmt.Fprintf(&b, "满%s减%s", yuan(c.MinSpendFen), yuan(c.AmountFen))
		} else {
			fmt.Fprintf(&b, "无门槛减%s", yuan(c.AmountFen))
		}
	case KindPercent:
		rest := 10000 - c.PercentBPS // 8500 bps left to pay = 8.5折
		z := fmt.Sprintf("%d.%03d", rest/1000, rest%1000)
		z = strings.TrimRight(strings.TrimRight(z, "0"), ".")
		if c.MinSpendFen > 0 {
			fmt.Fprintf(&b, "满%s享", yuan(c.MinSpendFen))
		}
		fmt.Fprintf(&b, "%s折", z)
		if c.CapFen > 0 {
			fmt.Fprintf(&b, " 最高减%s元", yuan(c.CapFen))
		}
	}
	return b.String()
}

// Card is the customer's view of c.
func (c Coupon) Card() CouponCard {
	rem := int64(-1)
	if c.TotalLimit > 0 {
		rem = max(c.TotalLimit-c.IssuedCount, 0)
	}
	cc := CouponCard{ID: c.ID, Title: c.Title, Summary: c.Summary(), Issuer: c.Issuer, MerchantID: c.MerchantID, Kind: c.Kind, AmountFen: c.AmountFen,
		PercentBPS: c.PercentBPS, CapFen: c.CapFen, MinSpendFen: c.MinSpendFen, CategoryCodes: c.CategoryCodes, ItemIDs: c.ItemIDs,
		Audience: c.Audience, ValidFrom: c.ValidFrom, ValidTo: c.ValidTo, Remaining: rem}
	if cc.CategoryCodes == nil {
		cc.CategoryCodes = []string{}
	}
	if cc.ItemIDs == nil {
		cc.ItemIDs = []int64{}
	}
	return cc
}

// claimableNow is the SQL condition of coupons customers may claim now.
const claimableNow = "status = ? AND claimable = ? AND valid_from <= ? AND valid_to > ? AND (total_limit = 0 OR issued_count < total_limit)"

func claimableArgs(now time.Time) []any { return []any{StatusActive, true, now, now} }

// covers tells whether c's scope (merchant, items, categories) covers a
// service of merchantID in category.
func (c Coupon) covers(merchantID, itemID int64, category string) bool {
	if c.Issuer == IssuerMerchant && c.MerchantID != merchantID {
		return false
	}
	if len(c.ItemIDs) == 0 && len(c.CategoryScope) == 0 {
		return true
	}
	return slices.Contains(c.ItemIDs, itemID) || slices.Contains(c.CategoryScope, category)
}

// Cards returns the cards of the coupons among ids that customers can claim
// now, in the order of ids (shop decoration's coupon strips).
func (s *Service) Cards(ctx context.Context, ids []int64) ([]CouponCard, error) {
	out := []CouponCard{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []Coupon
	if err := tenants.DB(ctx).Where("id IN ?", ids).Where(claimableNow, claimableArgs(s.now())...).Find(&rows).Error; err != nil {
		return nil, err
	}
	byID := map[int64]Coupon{}
	for _, c := range rows {
		byID[c.ID] = c
	}
	for _, id := range ids {
		if c, ok := byID[id]; ok {
			out = append(out, c.Card())
		}
	}
	return out, nil
}

// AutoCards picks up to n coupons customers can claim now: a merchant's
// own (merchantID > 0), or the city's; with a category, those that reach
// it (or have no category restriction). Soonest ending first.
func (s *Service) AutoCards(ctx context.Context, merchantID int64, category string, n int) ([]CouponCard, error) {
	out := []CouponCard{}
	q := tenants.DB(ctx).Where(claimableNow, claimableArgs(s.now())...).Where("audience = ?", AudienceAll)
	if merchantID > 0 {
		q = q.Where("issuer = ? AND merchant_id = ?", IssuerMerchant, merchantID)
	} else {
		q = q.Where("issuer = ?", IssuerCity)
	}
	var rows []Coupon
	if err := q.Order("valid_to, id").Limit(200).Find(&rows).Error; err != nil {
		return nil, err
	}
	for _, c := range rows {
		if len(out) >= n {
			break
		}
		if category != "" && len(c.CategoryScope) > 0 && !slices.Contains(c.CategoryScope, category) {
			continue
		}
		out = append(out, c.Card())
	}
	return out, nil
}

// CouponOwner says who issued a coupon.
type CouponOwner struct {
	Issuer     string
	MerchantID int64
}

// Owners says who issued each coupon among ids that exists.
func (s *Service) Owners(ctx context.Context, ids []int64) (map[int64]CouponOwner, error) {
	out := map[int64]CouponOwner{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []Coupon
	if err := tenants.DB(ctx).Select("id, issuer, merchant_id").Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, err
	}
	for _, c := range rows {
		out[c.ID] = CouponOwner{Issuer: c.Issuer, MerchantID: c.MerchantID}
	}
	return out, nil
}
