package review

import (
	"time"

	"gorm.io/gorm/schema"

	"doorstep/tenants"
)

// Review statuses.
const (
	StatusVisible = "visible"
	StatusHidden  = "hidden"
)

// Reasons a moderator hides a review for.
const (
	ReasonAbusive     = "abusive"     // insults, threats, discrimination
	ReasonPrivacy     = "privacy"     // someone's phone, address or name in the text or photos
	ReasonAdvertising = "advertising" // spam, links, promotion
	ReasonIrrelevant  = "irrelevant"  // not about this service
	ReasonFraudulent  = "fraudulent"  // fake, paid or self review: its stars are always removed
	ReasonOther       = "other"
)

// Review is one customer's review of one order (one per order).
type Review struct {
	ID            int64 `gorm:"primaryKey"`
	OrderID       int64
	OrderNo       string
	CustomerID    int64
	MerchantID    int64
	ServiceItemID int64
	StaffID       int64
	Overall       int
	Punctuality   int
	Skill         int
	Attitude      int
	Content       string
	Photos        []string `gorm:"serializer:json"`
	Anonymous     bool
	ReviewerName  string // masked display name at the time of the review; "" when anonymous
	ItemTitle     string
	Reply         string
	RepliedAt     *time.Time
	Status        string
	Counted       bool // its stars are in the item, staff and merchant ratings
	ReportCount   int  // open reports
	HiddenReason  string
	HiddenNote    string
	HiddenBy      int64
	HiddenAt      *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// TableName keeps the schema prefix of the handle in use.
func (Review) TableName(n schema.Namer) string { return tenants.TableName(n, "reviews") }

// Report statuses.
const (
	ReportOpen   = "open"
	ReportClosed = "closed"
)

// Report is one person's report of a review (one per person per review).
type Report struct {
	ID           int64 `gorm:"primaryKey"`
	ReviewID     int64
	ReporterID   int64
	ReporterRole string
	Reason       string
	Status       string
	CreatedAt    time.Time
}

// TableName is "review_reports".
func (Report) TableName(n schema.Namer) string { return tenants.TableName(n, "review_reports") }

// Anonymous is how an anonymous reviewer is shown.
const Anonymous = "匿名用户"

// Public is a review as anyone may see it: a masked name or 匿名用户, never
// an account id.
type Public struct {
	ID          int64      `json:"id"`
	Reviewer    string     `json:"reviewer"`
	Overall     int        `json:"overall"`
	Punctuality int        `json:"punctuality"`
	Skill       int        `json:"skill"`
	Attitude    int        `json:"attitude"`
	Content     string     `json:"content"`
	Photos      []string   `json:"photos"`
	Service     string     `json:"service" doc:"title of the service item at the time of the order"`
	Reply       string     `json:"reply,omitempty"`
	RepliedAt   *time.Time `json:"replied_at,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
}

// Brief is a short review for detail pages (service item, staff profile).
type Brief struct {
	ID        int64     `json:"id"`
	Reviewer  string    `json:"reviewer"`
	Overall   int       `json:"overall"`
	Content   string    `json:"content"`
	Photos    []string  `json:"photos"`
	CreatedAt time.Time `json:"created_at"`
}

// Mine is the author's own review.
type Mine struct {
	Public
	OrderID   int64  `json:"order_id"`
	OrderNo   string `json:"order_no"`
	Anonymous bool   `json:"anonymous"`
	Status    string `json:"status"`
}

// MerchantView is a review of the merchant's order as the merchant sees it.
// An anonymous review does not name its order either, so it cannot be
// traced to the customer.
type MerchantView struct {
	Public
	OrderNo string `json:"order_no,omitempty"`
	Status  string `json:"status"`
}

// AdminView is a review as a moderator sees it.
type AdminView struct {
	Public
	OrderID       int64        `json:"order_id"`
	OrderNo       string       `json:"order_no"`
	CustomerID    int64        `json:"customer_id"`
	MerchantID    int64        `json:"merchant_id"`
	ServiceItemID int64        `json:"service_item_id"`
	StaffID       int64        `json:"staff_id"`
	Anonymous     bool         `json:"anonymous"`
	Status        string       `json:"status"`
	RatingCounted bool         `json:"rating_counted" doc:"whether its stars are in the item, staff and merchant ratings"`
	ReportCount   int          `json:"report_count" doc:"open reports"`
	HiddenReason  string       `json:"hidden_reason,omitempty"`
	HiddenNote    string       `json:"hidden_note,omitempty"`
	HiddenAt      *time.Time   `json:"hidden_at,omitempty"`
	Reports       []ReportView `json:"reports"`
}

// ReportView is a report as a moderator sees it.
type ReportView struct {
	ID           int64     `json:"id"`
	ReporterRole string    `json:"reporter_role"`
	Reason       string    `json:"reason"`
	Status       string    `json:"status"`
	CreatedAt    time.Time `json:"created_at"`
}

func (r Review) public() Public {
	name := r.ReviewerName
	if r.Anonymous || name == "" {
		name = Anonymous
	}
	photos := r.Photos
	if photos == nil {
		photos = []string{}
	}
	return Public{ID: r.ID, Reviewer: name, Overall: r.Overall, Punctuality: r.Punctuality, Skill: r.Skill, Attitude: r.Attitude,
		Content: r.Content, Photos: photos, Service: r.ItemTitle, Reply: r.Reply, RepliedAt: r.RepliedAt, CreatedAt: r.CreatedAt}
}

func (r Review) brief() Brief {
	p := r.public()
	return Brief{ID: p.ID, Reviewer: p.Reviewer, Overall: p.Overall, Content: p.Content, Photos: p.Photos, CreatedAt: p.CreatedAt}
}

func (r Review) mine() Mine {
	return Mine{Public: r.public(), OrderID: r.OrderID, OrderNo: r.OrderNo, Anonymous: r.Anonymous, Status: r.Status}
}

func (r Review) merchantView() MerchantView {
	v := MerchantView{Public: r.public(), Status: r.Status}
	if !r.Anonymous {
		v.OrderNo = r.OrderNo
	}
	return v
}

func (r Review) adminView(reports []Report) AdminView {
	v := AdminView{Public: r.public(), OrderID: r.OrderID, OrderNo: r.OrderNo, CustomerID: r.CustomerID, MerchantID: r.MerchantID,
		ServiceItemID: r.ServiceItemID, StaffID: r.StaffID, Anonymous: r.Anonymous, Status: r.Status, RatingCounted: r.Counted,
		ReportCount: r.ReportCount, HiddenReason: r.HiddenReason, HiddenNote: r.HiddenNote, HiddenAt: r.HiddenAt, Reports: []ReportView{}}
	for _, rp := range reports {
		v.Reports = append(v.Reports, ReportView{ID: rp.ID, ReporterRole: rp.ReporterRole, Reason: rp.Reason, Status: rp.Status, CreatedAt: rp.CreatedAt})
	}
	return v
}

// MaskName shows enough of a display name to recognise a regular without
// naming anyone: 张* for two characters, 张***丰 for three or more.
func MaskName(name string) string {
	r := []rune(name)
	switch len(r) {
	case 0:
		return ""
	case 1, 2:
		return string(r[0]) + "*"
	}
	return string(r[0]) + "***" + string(r[len(r)-1])
}
