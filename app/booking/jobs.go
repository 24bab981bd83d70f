package booking

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"doorstep/app"
	"doorstep/app/geo"
	"doorstep/tenants"
)

// The staff app: the assigned staff member sets off, checks in at the
// address, starts and finishes the job.

func staffActor(ctx context.Context) (app.Actor, error) {
	a, err := app.MustActor(ctx)
	if err != nil {
		return a, err
	}
	if a.StaffID == 0 {
		return a, app.ErrForbidden.WithMessage("act as a staff member to work on jobs")
	}
	return a, nil
}

// staffStep fires a staff event on the actor's own job.
func (s *Service) staffStep(ctx context.Context, orderID int64, a app.Actor, event, reason string, apply func(ctx context.Context, o *Order) (string, error)) (Order, error) {
	return s.fire(ctx, orderID, step{event: event, reason: reason, actor: a, apply: apply})
}

func (s *Service) jobView(ctx context.Context, o Order, err error) (OrderView, error) {
	if err != nil {
		return OrderView{}, err
	}
	return s.viewOne(ctx, o)
}

// Depart marks the job on the way; the customer is told.
func (s *Service) Depart(ctx context.Context, orderID int64) (OrderView, error) {
	a, err := staffActor(ctx)
	if err != nil {
		return OrderView{}, err
	}
	o, err := s.staffStep(ctx, orderID, a, EvDepart, "", func(ctx context.Context, o *Order) (string, error) {
		now := s.now()
		o.DepartedAt = &now
		return "", s.tellCustomerAboutStaff(ctx, o, "order_on_the_way")
	})
	return s.jobView(ctx, o, err)
}

// Position is where a staff member is.
type Position struct {
	Lat float64 `json:"lat" validate:"required,gte=-90,lte=90"`
	Lng float64 `json:"lng" validate:"required,gte=-180,lte=180"`
}

// Arrive checks the staff member in at the address: refused with
// ErrFarFromAddress beyond the city's check-in distance.
func (s *Service) Arrive(ctx context.Context, orderID int64, at Position) (OrderView, error) {
	a, err := staffActor(ctx)
	if err != nil {
		return OrderView{}, err
	}
	p := geo.Point{Lat: at.Lat, Lng: at.Lng}
	if !p.Valid() {
		return OrderView{}, app.Invalid("lat", "lat and lng must be a real location")
	}
	set, err := s.Settings(ctx)
	if err != nil {
		return OrderView{}, err
	}
	o, err := s.staffStep(ctx, orderID, a, EvArrive, "", func(ctx context.Context, o *Order) (string, error) {
		if d := geo.Distance(p, geo.Point{Lat: o.Lat, Lng: o.Lng}); d > set.ArriveMaxM {
			dm, allowed := int(math.Round(d)), int(set.ArriveMaxM)
			e := ErrFarFromAddress.WithMessage("you are %d m from the service address; check in within %d m of it", dm, allowed)
			// Clients read the figures, not the text.
			e.Fields = map[string]string{"distance_m": strconv.Itoa(dm), "allowed_m": strconv.Itoa(allowed)}
			return "", e
		}
		now := s.now()
		o.ArrivedAt = &now
		return "", nil
	})
	return s.jobView(ctx, o, err)
}

// Start marks the service begun.
func (s *Service) Start(ctx context.Context, orderID int64) (OrderView, error) {
	a, err := staffActor(ctx)
	if err != nil {
		return OrderView{}, err
	}
	o, err := s.staffStep(ctx, orderID, a, EvStart, "", func(ctx context.Context, o *Order) (string, error) {
		now := s.now()
		o.StartedAt = &now
		return "", s.tellCustomerAboutStaff(ctx, o, "order_started")
	})
	return s.jobView(ctx, o, err)
}

// FinishInput is the staff member's report at the end of a job.
type FinishInput struct {
	Note          string   `json:"note" validate:"max=1000"`
	Photos        []string `json:"photos" validate:"max=9,dive,max=512"`
	FinalPriceFen int64    `json:"final_price_fen" validate:"gte=0" doc:"deposit orders: the final price, within the service's range"`
}

// Finish ends the service. A fixed-price order is completed; a deposit
// order takes the final price (within its range), and waits for the
// balance, or is completed when the deposit covers it (any excess is
// refunded).
func (s *Service) Finish(ctx context.Context, orderID int64, in FinishInput) (OrderView, error) {
	a, err := staffActor(ctx)
	if err != nil {
		return OrderView{}, err
	}
	c, err := tenants.MustCity(ctx)
	if err != nil {
		return OrderView{}, err
	}
	if len([]rune(in.Note)) > 1000 || len(in.Photos) > 9 {
		return OrderView{}, app.Invalid("note", "at most 1000 characters and 9 photos")
	}
	_, refunder, _ := s.hooks()
	o, err := s.staffStep(ctx, orderID, a, EvFinish, "", func(ctx context.Context, o *Order) (string, error) {
		o.FinishNote, o.FinishPhotos = strings.TrimSpace(in.Note), slices.Clone(in.Photos)
		if o.FinishPhotos == nil {
			o.FinishPhotos = []string{}
		}
		if o.PriceModel != PriceDeposit {
			o.FinalPriceFen = o.PriceFen
			return StCompleted, s.complete(ctx, o, c)
		}
		if in.FinalPriceFen < o.PriceFen || in.FinalPriceFen > o.PriceMaxFen {
			return "", ErrFinalPrice.WithMessage("final_price_fen must be between %d and %d (%s to %s yuan)",
				o.PriceFen, o.PriceMaxFen, app.FormatYuan(o.PriceFen), app.FormatYuan(o.PriceMaxFen))
		}
		o.FinalPriceFen = in.FinalPriceFen
		o.TotalFen = max(in.FinalPriceFen-o.DiscountFen, 0)
		o.BalanceFen = o.TotalFen - (o.PaidFen - o.RefundedFen)
		if o.BalanceFen > 0 {
			params := map[string]string{"order_no": o.OrderNo,
				"balance_note.zh": fmt.Sprintf("请支付尾款%s元。", app.FormatYuan(o.BalanceFen)),
				"balance_note.en": fmt.Sprintf("Please pay the balance of %s yuan.", app.FormatYuan(o.BalanceFen))}
			return StAwaitingBalance, s.notify.Tell(ctx, o.CustomerID, "order_completed", params,
				orderData(*o), fmt.Sprint(o.ID, ":balance"))
		}
		if excess := -o.BalanceFen; excess > 0 {
			if refunder == nil {
				return "", ErrRefundsUnavailable
			}
			if err := refunder.RefundOrder(ctx, o.ID, excess, "deposit above the final price", "deposit_excess"); err != nil {
				return "", fmt.Errorf("refund order %d: %w", o.ID, err)
			}
			o.RefundedFen += excess
		}
		o.BalanceFen = 0
		return StCompleted, s.complete(ctx, o, c)
	})
	return s.jobView(ctx, o, err)
}

func (s *Service) tellCustomerAboutStaff(ctx context.Context, o *Order, template string) error {
	st, err := s.staff.Get(ctx, o.StaffID)
	if err != nil {
		return fmt.Errorf("staff %d: %w", o.StaffID, err)
	}
	return s.notify.Tell(ctx, o.CustomerID, template, map[string]string{"staff": st.DisplayName, "order_no": o.OrderNo}, orderData(*o), fmt.Sprint(o.ID))
}

// JobQuery filters a staff member's jobs.
type JobQuery struct {
	Status string `query:"status" doc:"order states, comma-separated; empty: the open jobs (assigned to awaiting_balance); all: every job"`
	Cursor string `query:"cursor"`
	Limit  int    `query:"limit"`
}

var openJob = []string{StAssigned, StOnTheWay, StArrived, StInService, StAwaitingBalance}

// revealed are the states in which the assigned staff member sees the
// customer's full address and phone: from assignment until the service ends.
var revealed = []string{StAssigned, StOnTheWay, StArrived, StInService}

type jobCursor struct {
	At time.Time `json:"at"`
	ID int64     `json:"id"`
}

// ListJobs lists the signed-in staff member's jobs, the soonest first.
func (s *Service) ListJobs(ctx context.Context, f JobQuery) (app.List[OrderView], error) {
	a, err := staffActor(ctx)
	if err != nil {
		return app.List[OrderView]{}, err
	}
	q := tenants.DB(ctx).Model(&Order{}).Where("staff_id = ?", a.StaffID)
	switch f.Status {
	case "":
		q = q.Where("status IN ?", openJob)
	case "all":
	default:
		if q, err = byStatus(q, f.Status); err != nil {
			return app.List[OrderView]{}, err
		}
	}
	var cur jobCursor
	if err := app.DecodeCursor(f.Cursor, &cur); err != nil {
		return app.List[OrderView]{}, err
	}
	if cur.ID > 0 {
		q = q.Where("(slot_start > ? OR (slot_start = ? AND id > ?))", cur.At, cur.At, cur.ID)
	}
	p := app.Page{Limit: f.Limit}
	n := p.Size()
	var rows []Order
	if err := q.Order("slot_start, id").Limit(n + 1).Find(&rows).Error; err != nil {
		return app.List[OrderView]{}, err
	}
	out := app.List[OrderView]{}
	if len(rows) > n {
		out.NextCursor = app.EncodeCursor(jobCursor{At: rows[n-1].SlotStart, ID: rows[n-1].ID})
		rows = rows[:n]
	}
	if out.Items, err = s.views(ctx, rows); err != nil {
		return app.List[OrderView]{}, err
	}
	return out, nil
}

// JobView is a job as its staff member sees it.
type JobView struct {
	OrderView
	ContactPhone string `json:"contact_phone,omitempty" doc:"the full number: only from assignment until the service ends"`
	FullAddress  string `json:"full_address,omitempty" doc:"the full address: only from assignment until the service ends"`
}

// Job returns one of the signed-in staff member's jobs. While the job runs
// (assigned to in service) it carries the customer's full address and
// phone; each such reveal is audited.
func (s *Service) Job(ctx context.Context, orderID int64) (JobView, error) {
	a, err := staffActor(ctx)
	if err != nil {
		return JobView{}, err
	}
	o, err := s.Get(ctx, orderID)
	if err != nil {
		return JobView{}, err
	}
	if o.StaffID != a.StaffID {
		return JobView{}, ErrOrderNotFound
	}
	v, err := s.viewOne(ctx, o)
	if err != nil {
		return JobView{}, err
	}
	out := JobView{OrderView: v}
	if !slices.Contains(revealed, o.Status) {
		return out, nil
	}
	if out.ContactPhone, err = s.box.Open(o.PhoneEnc); err != nil {
		return JobView{}, fmt.Errorf("open phone of order %d: %w", o.ID, err)
	}
	if out.FullAddress, err = s.box.Open(o.AddressEnc); err != nil {
		return JobView{}, fmt.Errorf("open address of order %d: %w", o.ID, err)
	}
	s.audit.Record(ctx, "personal_data.reveal", "order", fmt.Sprint(o.ID), "ok",
		map[string]any{"fields": []string{"phone", "address"}, "staff_id": a.StaffID, "status": o.Status})
	return out, nil
}
