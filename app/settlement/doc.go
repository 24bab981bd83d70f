// Package settlement keeps the city's money books and pays people out: a
// double-entry ledger of every money event, merchant and staff balances,
// settlement periods, payouts with the city's approval, and the daily
// reconciliation of our payments and refunds with the providers' bills.
//
// It imports app, tenants, gorm, app/booking and app/payment (for their
// types). Booking and payment do not import it: they call it through the
// Ledger interfaces they declare (booking.Ledger, payment.Ledger), which
// app/platform/wire_settlement.go fills with this Service, so every event's
// entries are written in the transaction of the change that causes it.
//
// # The ledger
//
// ledger_entries is append-only (the database refuses UPDATE and DELETE; a
// correction is a new transaction). Amounts are integer fen: a debit is
// positive, a credit negative, and the lines of every transaction sum to
// exactly zero. Each transaction has a txn_id unique per event, claimed in
// ledger_txns in the same database transaction, so an event delivered
// twice posts once. Every line of an order's transaction carries its
// order_id.
//
// # Chart of accounts
//
//	gateway_clearing     owner 0         asset: money the payment providers hold for us (debit balance)
//	order_escrow         owner 0         liability: customers' money held for an order until its service is done
//	refund_payable       owner 0         liability: money owed back to customers, asked of the provider, not yet returned
//	platform_commission  owner 0         HQ's share of commission (credit balance = income)
//	city_commission      owner city id   the city's share of commission (credit balance = income)
//	merchant_payable     owner merchant  liability: owed to a merchant
//	staff_payable        owner staff id  liability: owed to a staff member
//	payouts_paid         owner 0         money paid out to merchants and staff (credit balance = total paid out)
//
// # Events (txn_id: lines)
//
//	payment paid (deposit, full, balance)      pay:<payment_no>       gateway_clearing +A, order_escrow -A
//	late or unmatched payment, auto refund     late:<payment_no>      order_escrow +A, refund_payable -A
//	refund done at the provider                refund:<refund_no>     refund_payable +R, gateway_clearing -R
//	completion                                 complete:<order_no>    order_escrow +paid, refund_payable -excess,
//	                                                                  and the rest (paid - excess) split below
//	cancellation                               cancel:<order_no>      order_escrow +(fee + refund), refund_payable -refund,
//	                                                                  and the fee split below without a staff share
//	after-sales refund                         aftersale:<case id>    bearer +X, refund_payable -X
//	payout approved                            payout:<payout id>     merchant_payable or staff_payable +P, payouts_paid -P
//
// The split of an amount V (completion: what the customer keeps paid; a
// cancellation fee): commission = V x commission_bps (the merchant's, or the
// city's default from HQ's city record), of which the city gets
// settlement.city_share_bps (a city setting, default 3000 = 30%) and HQ the
// rest; the merchant's share is V - commission, of which the order's staff
// member gets settlement.staff_share_bps (default 6000 = 60%; a merchant may
// set its own) and the merchant the rest. Every share is credited to its
// account; rounding is half up and the remainder stays with the last share,
// so the lines sum to V exactly. A cancellation fee pays no staff share.
//
// The deposit excess is the part of a deposit above the final price, refunded
// at the finish; it is the only refund booking makes before completion, so
// completion releases o.PaidFen of which o.RefundedFen goes back.
//
// After-sales bearers: "merchant" debits merchant_payable; "staff" debits the
// order's staff member's staff_payable (the merchant's when the order had
// none); "platform" debits the commission accounts in the shares commission
// is earned (city_share_bps from city_commission, the rest from
// platform_commission).
//
// A refund the provider finally refuses leaves its credit on refund_payable
// (owed to the customer) for a person to settle by hand.
//
// # Balances, settlement and payouts
//
// A payee's earnings are the credits less debits on their account, payouts
// excepted. The per-city job settlement:run closes periods (a city setting,
// daily or weekly, default daily, in the city's time zone; a period counts
// as closed ten minutes after its end) and writes one settlements row per
// payee with entries in it. pending = earnings not yet settled; available =
// settled - payouts requested or approved, less any negative pending (an
// after-sales debit not yet settled is held back). A payout request locks
// the payee's row in payees, so concurrent requests never exceed what is
// available; approval posts the payout transaction.
//
// # Reconciliation
//
// settlement:reconcile compares, for the previous day and every enabled
// method, our paid payments (by paid_at) and completed refunds (by
// completed_at) of that day in Asia/Shanghai with the provider's bill of the
// day, and lists each difference once: missing_ours, missing_theirs,
// amount_mismatch. The report (one row per day and method) is replaced when
// run again.
package settlement
