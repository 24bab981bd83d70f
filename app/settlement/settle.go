package settlement

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm/clause"

	"doorstep/tenants"
)

// settleGrace is how long after its end a period counts as closed: a
// transaction that stamped its lines just before midnight may commit just
// after.
const settleGrace = 10 * time.Minute

// maxPeriodsPerRun bounds one run's catch-up; the next run goes on.
const maxPeriodsPerRun = 400

// PeriodStart is the first day of the period that holds day: the day
// itself (daily) or the Monday on or before it (weekly).
func PeriodStart(day Day, period string) Day {
	if period != PeriodWeekly {
		return day
	}
	back := (int(day.Weekday()) + 6) % 7 // Monday 0 ... Sunday 6
	return day.Add(-back)
}

// PeriodAfter is the first day after the period that starts on start: the
// next day (daily) or the next Monday (weekly). A weekly period that starts
// mid-week (the city switched from daily) runs to that Sunday.
func PeriodAfter(start Day, period string) Day {
	if period != PeriodWeekly {
		return start.Add(1)
	}
	ahead := (8 - int(start.Weekday())) % 7
	if ahead == 0 {
		ahead = 7
	}
	return start.Add(ahead)
}

// HandleRun is the settlement:run task for ctx's city.
func (s *Service) HandleRun(ctx context.Context, _ []byte) error {
	_, err := s.Settle(ctx, s.now())
	return err
}

// Settle writes the settlements of every period of ctx's city closed by
// now and not settled yet, oldest first, and says how many periods it
// settled. Periods follow the last settled one without a gap (the first
// starts with the period of the city's first ledger line). Each period is
// one transaction that first claims it in settlement_runs, so running twice,
// or on two workers at once, settles it once.
func (s *Service) Settle(ctx context.Context, now time.Time) (int, error) {
	c, err := tenants.MustCity(ctx)
	if err != nil {
		return 0, err
	}
	set, err := s.Settings(ctx)
	if err != nil {
		return 0, err
	}
	var last run
	err = tenants.DB(ctx).Order("period_start DESC").Limit(1).Find(&last).Error
	if err != nil {
		return 0, err
	}
	var start Day
	if last.PeriodStart != "" {
		start = last.PeriodEnd.Add(1)
	} else {
		var first LedgerEntry
		if err := tenants.DB(ctx).Order("id").Limit(1).Find(&first).Error; err != nil {
			return 0, err
		}
		if first.ID == 0 {
			return 0, nil // nothing booked yet
		}
		start = PeriodStart(DayOf(first.At, c.Loc), set.Period)
	}
	done := 0
	for range maxPeriodsPerRun {
		after := PeriodAfter(start, set.Period)
		if after.Start(c.Loc).Add(settleGrace).After(now) {
			break
		}
		if err := s.settlePeriod(ctx, start, after, set.Period); err != nil {
			return done, fmt.Errorf("settle %s to %s: %w", start, after.Add(-1), err)
		}
		done++
		start = after
	}
	return done, nil
}

// settlePeriod settles [start, after) of ctx's city.
func (s *Service) settlePeriod(ctx context.Context, start, after Day, period string) error {
	c, err := tenants.MustCity(ctx)
	if err != nil {
		return err
	}
	from, to := start.Start(c.Loc).UTC(), after.Start(c.Loc).UTC()
	return tenants.WithTx(ctx, func(ctx context.Context) error {
		now := s.now()
		claim := run{PeriodStart: start, PeriodEnd: after.Add(-1), PeriodKind: period, CreatedAt: now}
		res := tenants.DB(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&claim)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return nil // settled by another run
		}
		var sums []struct {
			Account string
			OwnerID int64
			Gross   int64
			Net     int64
		}
		err := tenants.DB(ctx).Model(&LedgerEntry{}).
			Select("account, owner_id, COALESCE(SUM(CASE WHEN amount_fen < 0 THEN -amount_fen ELSE 0 END), 0) AS gross, COALESCE(-SUM(amount_fen), 0) AS net").
			Where("at >= ? AND at < ? AND account IN ? AND txn_kind <> ?", from, to, []string{AccMerchant, AccStaff}, KindPayout).
			Group("account, owner_id").Order("account, owner_id").Scan(&sums).Error
		if err != nil {
			return err
		}
		rows := make([]Settlement, 0, len(sums))
		for _, r := range sums {
			typ := PayeeMerchant
			if r.Account == AccStaff {
				typ = PayeeStaff
			}
			rows = append(rows, Settlement{PeriodStart: start, PeriodEnd: after.Add(-1), PayeeType: typ, PayeeID: r.OwnerID,
				GrossFen: r.Gross, NetFen: r.Net, CreatedAt: now})
		}
		if len(rows) > 0 {
			if err := tenants.DB(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&rows).Error; err != nil {
				return err
			}
		}
		return tenants.DB(ctx).Model(&run{}).Where("period_start = ?", start).Update("payees", len(rows)).Error
	})
}
