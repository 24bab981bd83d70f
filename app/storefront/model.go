// Package storefront runs shop decoration (店铺装修): pages made of
// components (banners, service grids, staff showcases, coupon strips, rich
// text, notices) that a merchant arranges for its shop and a city for its
// home and category pages; drafts with optimistic versions, previews,
// publishing with a short history and rollback, templates to start from,
// and the published pages customers see, filled with live data and cached
// briefly.
//
// It imports app, tenants, gorm, app/catalog (items, categories),
// app/staff (public profiles), app/merchant (the shop) and app/marketing
// (coupon cards). It reads the service_items, merchants and staff tables of
// its city to fill pages, never writes them.
package storefront

import (
	"time"

	"gorm.io/gorm/schema"

	"doorstep/tenants"
)

// Component types.
const (
	TypeBanner        = "banner"         // images with links
	TypeServiceGrid   = "service_grid"   // item ids, or a category (optional) and a count
	TypeStaffShowcase = "staff_showcase" // staff ids, or the top-rated count
	TypeCouponStrip   = "coupon_strip"   // coupon ids, or count claimable ones
	TypeRichText      = "rich_text"      // sanitized HTML
	TypeNotice        = "notice"         // a line of text with a level
)

// Limits of a document.
const (
	MaxComponents = 30
	maxTitle      = 32
	maxImages     = 10
	maxGridItems  = 20
	maxStaff      = 20
	maxCoupons    = 10
	maxHTML       = 20000
	maxNotice     = 200
	maxURL        = 512
)

// Notice levels.
var noticeLevels = []string{"info", "warning", "promo"}

// Image is one picture of a banner.
type Image struct {
	ImageURL string `json:"image_url" doc:"http(s) URL, or a path on this site (/...)"`
	Link     string `json:"link,omitempty" doc:"where a tap goes: http(s) URL or a path in the app (/services/12)"`
}

// Component is one block of a page. Type says which fields count:
// banner: images; service_grid: item_ids, or count (1-20) with an optional
// category; staff_showcase: staff_ids, or count of the top rated;
// coupon_strip: coupon_ids, or count claimable ones; rich_text: html
// (sanitized: a few tags, no scripts, handlers or javascript: URLs);
// notice: text and level (info, warning, promo). Every type may carry a
// title.
type Component struct {
	Type      string  `json:"type" validate:"required"`
	Title     string  `json:"title,omitempty"`
	Images    []Image `json:"images,omitempty"`
	ItemIDs   []int64 `json:"item_ids,omitempty"`
	Category  string  `json:"category,omitempty"`
	Count     int     `json:"count,omitempty"`
	StaffIDs  []int64 `json:"staff_ids,omitempty"`
	CouponIDs []int64 `json:"coupon_ids,omitempty"`
	HTML      string  `json:"html,omitempty"`
	Text      string  `json:"text,omitempty"`
	Level     string  `json:"level,omitempty"`
}

// Document is a page: a title and its components, top to bottom.
type Document struct {
	Title      string      `json:"title"`
	Components []Component `json:"components"`
}

// Owner kinds and page kinds.
const (
	OwnerMerchant = "merchant"
	OwnerCity     = "city"

	KindShop     = "shop"
	KindHome     = "home"
	KindCategory = "category"
)

// pageRow is one page of one owner.
type pageRow struct {
	ID               int64 `gorm:"primaryKey"`
	OwnerType        string
	OwnerID          int64
	PageKey          string
	Template         string
	Draft            string
	DraftVersion     int64
	Published        *string
	PublishedVersion int64
	PublishedAt      *time.Time
	UpdatedBy        int64
	UpdatedAt        time.Time
}

func (pageRow) TableName(n schema.Namer) string { return tenants.TableName(n, "pages") }

// historyRow is one published version of a page.
type historyRow struct {
	ID          int64 `gorm:"primaryKey"`
	PageID      int64
	Version     int64
	Template    string
	Document    string
	PublishedBy int64
	PublishedAt time.Time
}

func (historyRow) TableName(n schema.Namer) string { return tenants.TableName(n, "pages_history") }

// keepVersions is how many published versions a page keeps to roll back to.
const keepVersions = 10
