package storefront

// Templates are starting points, defined here: applying one replaces the
// draft with its components. They use automatic components (top services,
// top-rated staff, claimable coupons) so they work for any shop or city
// without editing; banners carry a placeholder picture to replace.

// Template is a starting point for a page.
type Template struct {
	Code        string   `json:"code"`
	Title       string   `json:"title"`
	Description string   `json:"description"`
	Document    Document `json:"document"`
}

// DefaultTemplate is what a page shows before anything is published.
const DefaultTemplate = "simple"

// placeholderBanner is the picture template banners start with.
const placeholderBanner = "/static/templates/banner.svg"

// templatesFor lists the templates of a page kind; category pages fill in
// their category.
func templatesFor(kind, category string) []Template {
	switch kind {
	case KindShop:
		return []Template{
			{Code: "simple", Title: "简约", Description: "服务列表与服务团队，清爽直接", Document: Document{Components: []Component{
				{Type: TypeServiceGrid, Title: "全部服务", Count: 12},
				{Type: TypeStaffShowcase, Title: "服务团队", Count: 4},
			}}},
			{Code: "promo", Title: "活动促销", Description: "横幅、公告与领券，突出优惠活动", Document: Document{Components: []Component{
				{Type: TypeBanner, Images: []Image{{ImageURL: placeholderBanner}}},
				{Type: TypeNotice, Text: "新客专享优惠，领券下单更划算", Level: "promo"},
				{Type: TypeCouponStrip, Title: "领券中心", Count: 5},
				{Type: TypeServiceGrid, Title: "热卖服务", Count: 6},
				{Type: TypeStaffShowcase, Title: "明星师傅", Count: 4},
			}}},
			{Code: "pro", Title: "服务专业", Description: "介绍、认证师傅与服务项目，突出专业可信", Document: Document{Components: []Component{
				{Type: TypeRichText, HTML: "<h3>专业上门，放心之选</h3><p>持证上岗 · 准时上门 · 不满意可申请售后</p>"},
				{Type: TypeStaffShowcase, Title: "认证师傅", Count: 6},
				{Type: TypeServiceGrid, Title: "服务项目", Count: 12},
				{Type: TypeNotice, Text: "上门时间以预约为准，如需改期请提前联系商家。", Level: "info"},
			}}},
		}
	case KindHome:
		return []Template{
			{Code: "simple", Title: "简约", Description: "好券与热门服务", Document: Document{Components: []Component{
				{Type: TypeCouponStrip, Title: "领券", Count: 5},
				{Type: TypeServiceGrid, Title: "热门服务", Count: 10},
			}}},
			{Code: "promo", Title: "活动促销", Description: "横幅、活动公告、平台好券与特惠服务", Document: Document{Components: []Component{
				{Type: TypeBanner, Images: []Image{{ImageURL: placeholderBanner}}},
				{Type: TypeNotice, Text: "限时特惠进行中，领券立减", Level: "promo"},
				{Type: TypeCouponStrip, Title: "平台好券", Count: 10},
				{Type: TypeServiceGrid, Title: "限时特惠", Count: 10},
				{Type: TypeStaffShowcase, Title: "人气师傅", Count: 6},
			}}},
			{Code: "pro", Title: "服务专业", Description: "平台保障、口碑服务与金牌师傅", Document: Document{Components: []Component{
				{Type: TypeRichText, HTML: "<h3>上门服务，品质保障</h3><p>服务人员实名认证 · 资质审核 · 售后无忧</p>"},
				{Type: TypeServiceGrid, Title: "口碑好评", Count: 10},
				{Type: TypeStaffShowcase, Title: "金牌师傅", Count: 8},
				{Type: TypeNotice, Text: "平台服务人员均经过实名认证与资质审核", Level: "info"},
			}}},
		}
	case KindCategory:
		return []Template{
			{Code: "simple", Title: "简约", Description: "本类服务列表", Document: Document{Components: []Component{
				{Type: TypeServiceGrid, Category: category, Count: 20},
			}}},
			{Code: "promo", Title: "活动促销", Description: "横幅、本类好券与热卖服务", Document: Document{Components: []Component{
				{Type: TypeBanner, Images: []Image{{ImageURL: placeholderBanner}}},
				{Type: TypeCouponStrip, Title: "本类好券", Count: 5},
				{Type: TypeServiceGrid, Title: "本类热卖", Category: category, Count: 10},
			}}},
			{Code: "pro", Title: "服务专业", Description: "服务说明、本类服务与认证师傅", Document: Document{Components: []Component{
				{Type: TypeRichText, HTML: "<p>精选本类口碑服务，服务人员持证上岗。</p>"},
				{Type: TypeServiceGrid, Category: category, Count: 20},
				{Type: TypeStaffShowcase, Title: "认证师傅", Count: 6},
			}}},
		}
	}
	return nil
}

func findTemplate(kind, category, code string) (Template, bool) {
	for _, t := range templatesFor(kind, category) {
		if t.Code == code {
			return t, true
		}
	}
	return Template{}, false
}
