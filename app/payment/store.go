package payment

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/schema"

	"doorstep/tenants"
)

func isNotFound(err error) bool { return errors.Is(err, gorm.ErrRecordNotFound) }

func forUpdate(ctx context.Context) *gorm.DB {
	return tenants.DB(ctx).Clauses(clause.Locking{Strength: "UPDATE"})
}

// PaymentByNo reads a payment of ctx's city by its number.
func (s *Service) PaymentByNo(ctx context.Context, no string) (Payment, error) {
	var p Payment
	err := tenants.DB(ctx).Where("payment_no = ?", no).Take(&p).Error
	return p, err
}

// PaymentsOf lists an order's payments, newest first (tests, back office).
func (s *Service) PaymentsOf(ctx context.Context, orderID int64) ([]Payment, error) {
	var out []Payment
	err := tenants.DB(ctx).Where("order_id = ?", orderID).Order("id DESC").Find(&out).Error
	return out, err
}

// RefundsOf lists an order's refunds, newest first.
func (s *Service) RefundsOf(ctx context.Context, orderID int64) ([]Refund, error) {
	var out []Refund
	err := tenants.DB(ctx).Where("order_id = ?", orderID).Order("id DESC").Find(&out).Error
	return out, err
}

// orderRef is the little of an order that payment reads itself: whose it
// is, what to call it, until when it may be paid.
type orderRef struct {
	ID          int64
	OrderNo     string
	CustomerID  int64
	Title       string
	PayDeadline *time.Time
}

// TableName is booking's "orders".
func (orderRef) TableName(n schema.Namer) string { return tenants.TableName(n, "orders") }

func readOrderRef(ctx context.Context, id int64) (orderRef, error) {
	var o orderRef
	err := tenants.DB(ctx).Select("id, order_no, customer_id, title, pay_deadline").Where("id = ?", id).Take(&o).Error
	return o, err
}
