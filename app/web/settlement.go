package web

import (
	"context"
	"strings"

	"github.com/gofiber/fiber/v2"

	"doorstep/app"
	"doorstep/app/settlement"
	"doorstep/tenants"
)

// mountSettlement maps the money endpoints: balances, settlements and
// payouts of merchants and staff, the city's ledger, payout approval,
// reconciliation, and the settlement rules.
func (s *Server) mountSettlement() {
	const tag = "settlement"

	// Merchant back office
	s.handle(route{Method: "GET", Path: "/v1/merchant/balance", Summary: "Your merchant's balance: pending (not yet settled), available (settled less payouts)", Tag: tag, City: true, Perm: "balance:read_own", Resp: settlement.Balance{}}, s.myBalance(settlement.PayeeMerchant))
	s.handle(route{Method: "GET", Path: "/v1/merchant/settlements", Summary: "Your merchant's settlements, one per closed period with earnings, newest first", Tag: tag, City: true, Perm: "balance:read_own", Query: app.Page{}, Resp: app.List[settlement.Settlement]{}}, s.mySettlements(settlement.PayeeMerchant))
	s.handle(route{Method: "GET", Path: "/v1/merchant/payouts", Summary: "Your merchant's payouts, newest first", Tag: tag, City: true, Perm: "balance:read_own", Query: app.Page{}, Resp: app.List[settlement.Payout]{}}, s.myPayouts(settlement.PayeeMerchant))
	s.handle(route{Method: "POST", Path: "/v1/merchant/payouts", Summary: "Ask for a payout of up to your available balance; the city approves it", Tag: tag, City: true, Perm: "payout:request", Body: settlement.PayoutInput{}, Resp: settlement.Payout{}, Status: 201, Idem: true}, s.requestPayout(settlement.PayeeMerchant))
	s.handle(route{Method: "GET", Path: "/v1/merchant/staff-share", Summary: "Your staff's share of your share of each order, in basis points", Tag: tag, City: true, Perm: "shop:read", Resp: settlement.StaffShare{}}, s.staffShare)
	s.handle(route{Method: "PUT", Path: "/v1/merchant/staff-share", Summary: "Set your staff's share (null: the city's default); applies to orders completed from now on (audited)", Tag: tag, City: true, Perm: "shop:update", Body: settlement.StaffShareInput{}, Resp: settlement.StaffShare{}}, s.setStaffShare)

	// Staff app
	s.handle(route{Method: "GET", Path: "/v1/staff/me/earnings", Summary: "Your earnings today, this month and in all (city time), with your balance", Tag: tag, City: true, Perm: "balance:read_own", Resp: settlement.Earnings{}}, s.myEarnings)
	s.handle(route{Method: "GET", Path: "/v1/staff/me/settlements", Summary: "Your settlements, newest first", Tag: tag, City: true, Perm: "balance:read_own", Query: app.Page{}, Resp: app.List[settlement.Settlement]{}}, s.mySettlements(settlement.PayeeStaff))
	s.handle(route{Method: "GET", Path: "/v1/staff/me/payouts", Summary: "Your payouts, newest first", Tag: tag, City: true, Perm: "balance:read_own", Query: app.Page{}, Resp: app.List[settlement.Payout]{}}, s.myPayouts(settlement.PayeeStaff))
	s.handle(route{Method: "POST", Path: "/v1/staff/me/payouts", Summary: "Ask for a payout of up to your available balance; the city approves it", Tag: tag, City: true, Perm: "payout:request", Body: settlement.PayoutInput{}, Resp: settlement.Payout{}, Status: 201, Idem: true}, s.requestPayout(settlement.PayeeStaff))

	// City back office
	s.handle(route{Method: "GET", Path: "/v1/admin/ledger", Summary: "The city's ledger lines, newest first (debit positive, credit negative)", Tag: tag, City: true, Perm: "ledger:read", Query: settlement.LedgerQuery{}, Resp: app.List[settlement.LedgerEntry]{}}, s.ledger)
	s.handle(route{Method: "GET", Path: "/v1/admin/ledger/orders/:id", Summary: "Every ledger line of one order, their sum (always 0) and each account's balance", Tag: tag, City: true, Perm: "ledger:read", Resp: settlement.OrderLedger{}}, s.orderLedger)
	s.handle(route{Method: "GET", Path: "/v1/admin/payouts", Summary: "The city's payouts, newest first", Tag: tag, City: true, Perm: "payout:approve", Query: settlement.PayoutQuery{}, Resp: app.List[settlement.Payout]{}}, s.cityPayouts)
	s.handle(route{Method: "POST", Path: "/v1/admin/payouts/:id/approve", Summary: "Approve a requested payout: booked in the ledger, the payee told (audited)", Tag: tag, City: true, Perm: "payout:approve", Body: settlement.DecideInput{}, Resp: settlement.Payout{}}, s.decidePayout(true))
	s.handle(route{Method: "POST", Path: "/v1/admin/payouts/:id/reject", Summary: "Reject a requested payout: the amount is available again, the payee told (audited)", Tag: tag, City: true, Perm: "payout:approve", Body: settlement.DecideInput{}, Resp: settlement.Payout{}}, s.decidePayout(false))
	s.handle(route{Method: "POST", Path: "/v1/admin/reconciliations", Summary: "Reconcile one day of one payment method with the provider's bill now; replaces that day's report (audited)", Tag: tag, City: true, Perm: "reconciliation:run", Body: settlement.ReconcileInput{}, Resp: settlement.Reconciliation{}}, s.reconcile)
	s.handle(route{Method: "GET", Path: "/v1/admin/reconciliations", Summary: "The city's reconciliation reports, newest first", Tag: tag, City: true, Perm: "reconciliation:run", Query: settlement.ReconciliationQuery{}, Resp: app.List[settlement.Reconciliation]{}}, s.reconciliations)
	s.handle(route{Method: "GET", Path: "/v1/admin/settlement/settings", Summary: "The city's settlement period, commission and shares", Tag: tag, City: true, Perm: "ledger:read", Resp: settlement.Settings{}}, s.settlementSettings)
	s.handle(route{Method: "PATCH", Path: "/v1/admin/settlement/settings", Summary: "Change the city's settlement period (daily or weekly) or default staff share (audited)", Tag: tag, City: true, Perm: "payout:approve", Body: settlement.SettingsUpdate{}, Resp: settlement.Settings{}}, s.updateSettlementSettings)

	// HQ: the city's cut is HQ's to decide.
	s.handle(route{Method: "PUT", Path: "/v1/hq/cities/:code/city-share", Summary: "Set a city's share of commission, in basis points (audited)", Tag: tag, Perm: "city:update", Body: settlement.CityShareInput{}, Resp: settlement.Settings{}}, s.setCityShare)
}

// The payee endpoints come in a merchant and a staff flavour: payee is
// the kind of payee the route serves, so a staff token on a merchant route
// is refused rather than answered with the staff member's own money.

func (s *Server) myBalance(payee string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		out, err := s.d.Settlement.MyBalance(c.UserContext(), payee)
		if err != nil {
			return err
		}
		return c.JSON(out)
	}
}

func (s *Server) mySettlements(payee string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var p app.Page
		if err := s.query(c, &p); err != nil {
			return err
		}
		out, err := s.d.Settlement.MySettlements(c.UserContext(), payee, p)
		if err != nil {
			return err
		}
		return c.JSON(out)
	}
}

func (s *Server) myPayouts(payee string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var p app.Page
		if err := s.query(c, &p); err != nil {
			return err
		}
		out, err := s.d.Settlement.MyPayouts(c.UserContext(), payee, p)
		if err != nil {
			return err
		}
		return c.JSON(out)
	}
}

// requestPayout asks for a payout; a retry with the same Idempotency-Key
// gets the first answer instead of a second payout.
func (s *Server) requestPayout(payee string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		var in settlement.PayoutInput
		if err := s.bind(c, &in); err != nil {
			return err
		}
		return s.idempotent(c, func(ctx context.Context) (int, any, error) {
			out, err := s.d.Settlement.RequestPayout(ctx, payee, in)
			if err != nil {
				return 0, nil, err
			}
			return fiber.StatusCreated, out, nil
		})
	}
}

func (s *Server) staffShare(c *fiber.Ctx) error {
	out, err := s.d.Settlement.StaffShareOf(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) setStaffShare(c *fiber.Ctx) error {
	var in settlement.StaffShareInput
	if err := s.bind(c, &in); err != nil {
		return err
	}
	out, err := s.d.Settlement.SetStaffShare(c.UserContext(), in)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) myEarnings(c *fiber.Ctx) error {
	out, err := s.d.Settlement.MyEarnings(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) ledger(c *fiber.Ctx) error {
	var q settlement.LedgerQuery
	if err := s.query(c, &q); err != nil {
		return err
	}
	out, err := s.d.Settlement.Ledger(c.UserContext(), q)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) orderLedger(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	out, err := s.d.Settlement.OrderLines(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) cityPayouts(c *fiber.Ctx) error {
	var q settlement.PayoutQuery
	if err := s.query(c, &q); err != nil {
		return err
	}
	out, err := s.d.Settlement.Payouts(c.UserContext(), q)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) decidePayout(approve bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		var in settlement.DecideInput
		if err := s.bind(c, &in); err != nil {
			return err
		}
		decide := s.d.Settlement.RejectPayout
		if approve {
			decide = s.d.Settlement.ApprovePayout
		}
		out, err := decide(c.UserContext(), id, in)
		if err != nil {
			return err
		}
		return c.JSON(out)
	}
}

func (s *Server) reconcile(c *fiber.Ctx) error {
	var in settlement.ReconcileInput
	if err := s.bind(c, &in); err != nil {
		return err
	}
	out, err := s.d.Settlement.Reconcile(c.UserContext(), in)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) reconciliations(c *fiber.Ctx) error {
	var q settlement.ReconciliationQuery
	if err := s.query(c, &q); err != nil {
		return err
	}
	out, err := s.d.Settlement.Reconciliations(c.UserContext(), q)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) settlementSettings(c *fiber.Ctx) error {
	out, err := s.d.Settlement.Settings(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) updateSettlementSettings(c *fiber.Ctx) error {
	var in settlement.SettingsUpdate
	if err := s.bind(c, &in); err != nil {
		return err
	}
	out, err := s.d.Settlement.UpdateSettings(c.UserContext(), in)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

// setCityShare writes into the city's schema from an HQ route: the city
// comes from the path, and nothing of HQ is touched meanwhile.
func (s *Server) setCityShare(c *fiber.Ctx) error {
	code := strings.ToLower(strings.Clone(c.Params("code")))
	if !tenants.ValidCode(code) {
		return app.NotFound("city")
	}
	ct, err := s.d.Reg.Lookup(code)
	if err != nil {
		return app.NotFound("city")
	}
	var in settlement.CityShareInput
	if err := s.bind(c, &in); err != nil {
		return err
	}
	out, err := s.d.Settlement.SetCityShare(tenants.WithCity(c.UserContext(), ct), in)
	if err != nil {
		return err
	}
	return c.JSON(out)
}
