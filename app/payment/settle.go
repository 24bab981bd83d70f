package payment

import (
	"context"
	"errors"
	"fmt"

	"doorstep/tenants"
)

// errInTx guards the provider calls below from running inside a
// transaction, where they would hold row locks for a network round trip.
var errInTx = errors.New("payment: SettleBeforeExpiry must run outside a transaction")

// SettleBeforeExpiry asks the providers about an order's pending payments
// before booking expires it (booking's PaymentChecker). A payment the
// provider reports paid is applied exactly as its notification would be, so
// an order paid at the last second is not expired. paid tells whether one
// was applied to the order now. When a provider cannot be asked and none
// was found paid, the error says so and the caller should try again later
// rather than expire an order that may be paid.
func (s *Service) SettleBeforeExpiry(ctx context.Context, orderID int64) (bool, error) {
	if tenants.InTx(ctx) {
		return false, errInTx
	}
	ctx = systemCtx(ctx)
	var pending []Payment
	if err := tenants.DB(ctx).Where("order_id = ? AND status = ?", orderID, StatusPending).Order("id DESC").Find(&pending).Error; err != nil {
		return false, err
	}
	paid := false
	var errs []error
	for _, p := range pending {
		g, ok := s.gateways[p.Method]
		if !ok {
			continue
		}
		n, err := g.Query(ctx, p.PaymentNo)
		if err != nil {
			errs = append(errs, fmt.Errorf("query %s: %w", p.PaymentNo, err))
			continue
		}
		if n.OutTradeNo == "" {
			n.OutTradeNo = p.PaymentNo
		}
		switch n.Kind {
		case NotifyPaid:
			outcome, err := s.settlePaid(ctx, g, n, "query:"+p.PaymentNo)
			var rj *rejection
			if errors.As(err, &rj) {
				s.rejected(ctx, p.Method, n, rj.reason, rj.cause)
				continue
			}
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if outcome == OutcomeApplied {
				paid = true
			}
		case NotifyClosed:
			if err := s.closePayment(ctx, g, n); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if paid {
		return true, nil
	}
	return false, errors.Join(errs...)
}
