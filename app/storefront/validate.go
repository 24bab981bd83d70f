package storefront

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"doorstep/app"
	"doorstep/app/marketing"
	"doorstep/tenants"
)

var componentTypes = []string{TypeBanner, TypeServiceGrid, TypeStaffShowcase, TypeCouponStrip, TypeRichText, TypeNotice}

// problems collects field-level errors of a document.
type problems map[string]string

func (p problems) add(field, format string, args ...any) {
	if _, ok := p[field]; !ok {
		p[field] = fmt.Sprintf(format, args...)
	}
}

func (p problems) err() error {
	if len(p) == 0 {
		return nil
	}
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	msgs := make([]string, 0, len(keys))
	for _, k := range keys {
		msgs = append(msgs, k+": "+p[k])
	}
	if len(msgs) > 5 {
		msgs = append(msgs[:5], fmt.Sprintf("and %d more", len(keys)-5))
	}
	return &app.Error{Kind: app.KindInvalid, Code: "invalid_input", Message: "the page is not valid: " + strings.Join(msgs, "; "), Fields: p}
}

// idRef is one id a component names, with the field that names it.
type idRef struct {
	field string
	id    int64
}

// ids checks a list of ids: positive, no repeats, at most max.
func ids(p problems, field string, list []int64, max int, refs *[]idRef) {
	if len(list) > max {
		p.add(field, "at most %d", max)
		return
	}
	seen := map[int64]bool{}
	for j, id := range list {
		f := fmt.Sprintf("%s[%d]", field, j)
		switch {
		case id <= 0:
			p.add(f, "must be a positive id")
		case seen[id]:
			p.add(f, "%d is listed twice", id)
		default:
			seen[id] = true
			*refs = append(*refs, idRef{f, id})
		}
	}
}

// check validates and normalizes a document for its page: types and
// shapes, at most MaxComponents, rich text sanitized, and every id it
// names existing and the owner's (a shop page names only its own services,
// staff and coupons; a city page any of the city's). Every problem is
// reported with its field, e.g. "components[3].item_ids[0]".
func (s *Service) check(ctx context.Context, ref pageRef, doc *Document) error {
	p := problems{}
	doc.Title = strings.TrimSpace(doc.Title)
	if utf8.RuneCountInString(doc.Title) > maxTitle {
		p.add("title", "at most %d characters", maxTitle)
	}
	if len(doc.Components) > MaxComponents {
		p.add("components", "at most %d components, not %d", MaxComponents, len(doc.Components))
		return p.err()
	}
	if doc.Components == nil {
		doc.Components = []Component{}
	}
	var items, staffs, coupons []idRef
	categories := map[string]string{} // code -> field
	for i := range doc.Components {
		c := &doc.Components[i]
		at := fmt.Sprintf("components[%d]", i)
		c.Type = strings.ToLower(strings.TrimSpace(c.Type))
		c.Title = strings.TrimSpace(c.Title)
		if utf8.RuneCountInString(c.Title) > maxTitle {
			p.add(at+".title", "at most %d characters", maxTitle)
		}
		n := Component{Type: c.Type, Title: c.Title}
		switch c.Type {
		case TypeBanner:
			if len(c.Images) == 0 || len(c.Images) > maxImages {
				p.add(at+".images", "1 to %d images", maxImages)
			}
			for j, im := range c.Images {
				im.ImageURL, im.Link = strings.TrimSpace(im.ImageURL), strings.TrimSpace(im.Link)
				if !safeImage(im.ImageURL) {
					p.add(fmt.Sprintf("%s.images[%d].image_url", at, j), "must be an http(s) URL or a path on this site")
				}
				if im.Link != "" && !safeLink(im.Link) {
					p.add(fmt.Sprintf("%s.images[%d].link", at, j), "must be an http(s) URL or a path in the app")
				}
				n.Images = append(n.Images, Image{ImageURL: squeeze(im.ImageURL), Link: squeeze(im.Link)})
			}
		case TypeServiceGrid:
			n.Category = strings.ToLower(strings.TrimSpace(c.Category))
			switch {
			case len(c.ItemIDs) > 0 && (c.Count != 0 || n.Category != ""):
				p.add(at+".item_ids", "give item_ids, or a count with an optional category, not both")
			case len(c.ItemIDs) > 0:
				ids(p, at+".item_ids", c.ItemIDs, maxGridItems, &items)
				n.ItemIDs, n.Category = c.ItemIDs, ""
			default:
				if c.Count < 1 || c.Count > maxGridItems {
					p.add(at+".count", "1 to %d services (or give item_ids)", maxGridItems)
				}
				n.Count = c.Count
				if n.Category != "" {
					categories[n.Category] = at + ".category"
				}
			}
		case TypeStaffShowcase:
			switch {
			case len(c.StaffIDs) > 0 && c.Count != 0:
				p.add(at+".staff_ids", "give staff_ids, or a count of the top rated, not both")
			case len(c.StaffIDs) > 0:
				ids(p, at+".staff_ids", c.StaffIDs, maxStaff, &staffs)
				n.StaffIDs = c.StaffIDs
			default:
				if c.Count < 1 || c.Count > maxStaff {
					p.add(at+".count", "1 to %d staff members (or give staff_ids)", maxStaff)
				}
				n.Count = c.Count
			}
		case TypeCouponStrip:
			switch {
			case len(c.CouponIDs) > 0 && c.Count != 0:
				p.add(at+".coupon_ids", "give coupon_ids, or a count of claimable coupons, not both")
			case len(c.CouponIDs) > 0:
				ids(p, at+".coupon_ids", c.CouponIDs, maxCoupons, &coupons)
				n.CouponIDs = c.CouponIDs
			default:
				if c.Count < 1 || c.Count > maxCoupons {
					p.add(at+".count", "1 to %d coupons (or give coupon_ids)", maxCoupons)
				}
				n.Count = c.Count
			}
		case TypeRichText:
			if len(c.HTML) > maxHTML {
				p.add(at+".html", "at most %d bytes", maxHTML)
				break
			}
			n.HTML = SanitizeHTML(c.HTML)
			if strings.TrimSpace(n.HTML) == "" {
				p.add(at+".html", "is empty (after removing what is not allowed)")
			}
		case TypeNotice:
			n.Text = strings.TrimSpace(c.Text)
			if n.Text == "" || utf8.RuneCountInString(n.Text) > maxNotice {
				p.add(at+".text", "1 to %d characters", maxNotice)
			}
			n.Level = strings.TrimSpace(c.Level)
			if n.Level == "" {
				n.Level = "info"
			}
			if !slices.Contains(noticeLevels, n.Level) {
				p.add(at+".level", "one of %s", strings.Join(noticeLevels, ", "))
			}
		default:
			p.add(at+".type", "unknown component %q; one of %s", c.Type, strings.Join(componentTypes, ", "))
		}
		*c = n
	}
	if err := s.checkRefs(ctx, ref, p, items, staffs, coupons, categories); err != nil {
		return err
	}
	return p.err()
}

// checkRefs checks that the ids a document names exist and are the
// owner's. A shop page naming another shop's service gets the same answer
// as for one that does not exist.
func (s *Service) checkRefs(ctx context.Context, ref pageRef, p problems, items, staffs, coupons []idRef, categories map[string]string) error {
	if len(items) > 0 {
		var rows []struct {
			ID         int64
			MerchantID int64
			Status     string
		}
		if err := tenants.DB(ctx).Table(tenants.Table(ctx, "service_items")).Select("id, merchant_id, status").Where("id IN ?", refIDs(items)).Scan(&rows).Error; err != nil {
			return err
		}
		found := map[int64]int64{}
		for _, r := range rows {
			if r.Status != "deleted" {
				found[r.ID] = r.MerchantID
			}
		}
		for _, r := range items {
			m, ok := found[r.id]
			switch {
			case ref.OwnerType == OwnerMerchant && (!ok || m != ref.OwnerID):
				p.add(r.field, "service %d is not one of your services", r.id)
			case !ok:
				p.add(r.field, "service %d does not exist in this city", r.id)
			}
		}
	}
	if len(staffs) > 0 {
		var rows []struct {
			ID         int64
			MerchantID int64
		}
		if err := tenants.DB(ctx).Table(tenants.Table(ctx, "staff")).Select("id, merchant_id").Where("id IN ?", refIDs(staffs)).Scan(&rows).Error; err != nil {
			return err
		}
		found := map[int64]int64{}
		for _, r := range rows {
			found[r.ID] = r.MerchantID
		}
		for _, r := range staffs {
			m, ok := found[r.id]
			switch {
			case ref.OwnerType == OwnerMerchant && (!ok || m != ref.OwnerID):
				p.add(r.field, "staff member %d is not one of your staff", r.id)
			case !ok:
				p.add(r.field, "staff member %d does not exist in this city", r.id)
			}
		}
	}
	if len(coupons) > 0 {
		owners, err := s.cps.Owners(ctx, refIDs(coupons))
		if err != nil {
			return err
		}
		for _, r := range coupons {
			o, ok := owners[r.id]
			switch {
			case ref.OwnerType == OwnerMerchant && (!ok || o.Issuer != marketing.IssuerMerchant || o.MerchantID != ref.OwnerID):
				p.add(r.field, "coupon %d is not one of your coupons", r.id)
			case !ok:
				p.add(r.field, "coupon %d does not exist in this city", r.id)
			}
		}
	}
	if len(categories) > 0 {
		t, err := s.cat.Tree(ctx)
		if err != nil {
			return err
		}
		for code, field := range categories {
			if !t.Has(code) {
				p.add(field, "category %q does not exist; see GET /v1/categories", code)
			}
		}
	}
	return nil
}

func refIDs(refs []idRef) []int64 {
	out := make([]int64, len(refs))
	for i, r := range refs {
		out[i] = r.id
	}
	return out
}
