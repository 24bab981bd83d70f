package platform

import (
	"fmt"
	"time"

	"doorstep/app/settlement"
	"doorstep/jobs"
)

// wireSettlement assembles the settlement capability after booking and
// payment exist: the ledger hooks into both (each event's entries commit
// with the change that causes it), the per-city settlement run (hourly:
// it settles what closed, and does nothing otherwise) and the daily
// reconciliation with the providers' bills.
func (p *Platform) wireSettlement() error {
	if p.Booking == nil || p.Payments == nil {
		return fmt.Errorf("settlement needs booking and payments wired first")
	}
	p.Settlement = settlement.New(settlement.Deps{Gateways: p.Payments, Notify: p.Notify, Audit: p.Audit, Log: p.Log})
	p.Booking.UseLedger(p.Settlement)
	p.Payments.UseLedger(p.Settlement)
	p.tasks[settlement.TaskRun] = p.Settlement.HandleRun
	p.tasks[settlement.TaskReconcile] = p.Settlement.HandleReconcile
	p.schedule = append(p.schedule,
		jobs.Periodic{TaskType: settlement.TaskRun, Every: time.Hour, PerCity: true},
		jobs.Periodic{TaskType: settlement.TaskReconcile, Every: 24 * time.Hour, PerCity: true})
	return nil
}
