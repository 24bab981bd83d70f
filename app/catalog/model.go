// Package catalog holds what customers can buy: the global category tree
// (HQ schema), each city's skills, and the service items merchants offer,
// with browse and search (category, Chinese keyword, price, rating, distance)
// behind stable cursors and a short-lived in-process cache.
//
// It imports app, app/geo, app/audit, tenants and gorm. It reads the
// merchants table of its own city schema (name, status, area) to browse and
// shelve, but never writes it; the merchant package owns merchants and
// imports catalog, not the reverse. Reviews come in through ReviewSource.
package catalog

import (
	"time"

	"gorm.io/gorm/schema"

	"doorstep/app/geo"
	"doorstep/tenants"
)

// Category is a node of the global category tree (HQ schema).
type Category struct {
	ID        int64     `json:"id" gorm:"primaryKey"`
	ParentID  int64     `json:"parent_id"`
	Code      string    `json:"code"`
	Name      string    `json:"name"`
	NameEN    string    `json:"name_en" gorm:"column:name_en"`
	Icon      string    `json:"icon"`
	Sort      int       `json:"sort"`
	Status    string    `json:"status"` // active | hidden
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Skill is a skill staff can have and items can need; Bit is its position
// in the 64-bit skill masks the dispatcher filters with.
type Skill struct {
	ID           int64     `json:"id" gorm:"primaryKey"`
	Code         string    `json:"code"`
	Name         string    `json:"name"`
	NameEN       string    `json:"name_en" gorm:"column:name_en"`
	CategoryCode string    `json:"category_code"`
	Bit          int       `json:"bit"`
	CreatedAt    time.Time `json:"created_at"`
}

// Price models.
const (
	PriceFixed   = "fixed"   // 一口价: pay PriceFen in full up front
	PriceDeposit = "deposit" // 预付定金: pay DepositFen to confirm, the balance after the service
)

// Item statuses.
const (
	ItemOn      = "on"      // on shelf
	ItemOff     = "off"     // off shelf
	ItemDeleted = "deleted" // removed by the merchant; kept for the orders that name it
)

// Category statuses.
const (
	CategoryActive = "active"
	CategoryHidden = "hidden"
)

// ServiceItem is one service a merchant offers in a city.
type ServiceItem struct {
	ID           int64     `json:"id" gorm:"primaryKey"`
	MerchantID   int64     `json:"merchant_id"`
	CategoryID   int64     `json:"category_id"`
	CategoryCode string    `json:"category_code"`
	Title        string    `json:"title"`
	Description  string    `json:"description"`
	Photos       []string  `json:"photos" gorm:"serializer:json"`
	PriceModel   string    `json:"price_model"`
	PriceFen     int64     `json:"price_fen"`     // fixed price, or the lower bound of a deposit item's range
	PriceMaxFen  int64     `json:"price_max_fen"` // upper bound of the range (deposit items)
	DepositFen   int64     `json:"deposit_fen"`
	Unit         string    `json:"unit"`
	DurationMin  int       `json:"duration_min"`
	Skills       []string  `json:"skills" gorm:"serializer:json"`
	SkillMask    uint64    `json:"-"`
	Area         *geo.Area `json:"area,omitempty" gorm:"serializer:json"` // nil: the merchant's area
	Status       string    `json:"status"`
	RatingSum    int64     `json:"-"`
	RatingCount  int64     `json:"rating_count"`
	RatingAvg    int       `json:"rating_avg"` // stars x 100 (480 = 4.80)
	SalesCount   int64     `json:"sales_count"`
	SearchText   string    `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// TableName keeps the schema prefix of the handle in use.
func (ServiceItem) TableName(n schema.Namer) string { return tenants.TableName(n, "service_items") }
