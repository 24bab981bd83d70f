package web

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"doorstep/app/booking"
	"doorstep/app/stats"
	"doorstep/tenants"
)

// maxOrdersCSV caps one orders export (newest first); narrow it with
// from/to for more.
const maxOrdersCSV = 100000

// mountStats maps the figures: the city's, a merchant's and HQ's daily
// figures and trends (JSON or CSV), recomputing a day on demand, the list
// of measures with their definitions, and the city's orders as CSV.
func (s *Server) mountStats() {
	const adminTag, merchantTag, hqTag = "city figures", "merchant figures", "hq figures"

	s.handle(route{Method: "GET", Path: "/v1/admin/figures", Summary: "The city's daily figures of a range (zeros for days without any); ?format=csv for a spreadsheet", Tag: adminTag, City: true, Perm: "figures:read", Query: stats.FiguresQuery{}, Resp: stats.Figures{}}, s.cityFigures)
	s.handle(route{Method: "GET", Path: "/v1/admin/figures/trend", Summary: "One measure of the city day by day (zeros for days without figures)", Tag: adminTag, City: true, Perm: "figures:read", Query: stats.TrendQuery{}, Resp: stats.Trend{}}, s.cityTrend)
	s.handle(route{Method: "GET", Path: "/v1/admin/figures/measures", Summary: "Every measure with its definition", Tag: adminTag, City: true, Perm: "figures:read", Resp: []stats.Measure{}}, s.measures)
	s.handle(route{Method: "POST", Path: "/v1/admin/figures/rollup", Summary: "Recompute one day of the city's figures now (and HQ's copy); recomputing an unchanged day changes nothing (audited)", Tag: adminTag, City: true, Perm: "figures:rollup", Body: stats.RollupInput{}, Resp: stats.RollupResult{}}, s.rollupCity)
	s.handle(route{Method: "GET", Path: "/v1/admin/orders.csv", Summary: "The city's orders as CSV, newest first, with the filters of GET /v1/admin/orders (at most 100,000 rows; phone and address masked)", Tag: adminTag, City: true, Perm: "order:read_city", Query: booking.CityOrderQuery{}, Resp: "", Produce: "text/csv"}, s.cityOrdersCSV)

	s.handle(route{Method: "GET", Path: "/v1/merchant/figures", Summary: "Your merchant's daily figures of a range; ?format=csv for a spreadsheet", Tag: merchantTag, City: true, Perm: "figures:read_merchant", Query: stats.FiguresQuery{}, Resp: stats.Figures{}}, s.merchantFigures)
	s.handle(route{Method: "GET", Path: "/v1/merchant/figures/trend", Summary: "One measure of your merchant day by day", Tag: merchantTag, City: true, Perm: "figures:read_merchant", Query: stats.TrendQuery{}, Resp: stats.Trend{}}, s.merchantTrend)

	s.handle(route{Method: "GET", Path: "/v1/hq/figures", Summary: "One city's daily figures, or all cities added up (city=all); ?format=csv for a spreadsheet", Tag: hqTag, Perm: "figures:read", Query: stats.HQFiguresQuery{}, Resp: stats.Figures{}}, s.hqFigures)
	s.handle(route{Method: "GET", Path: "/v1/hq/figures/trend", Summary: "One measure of one city, or of all, day by day", Tag: hqTag, Perm: "figures:read", Query: stats.HQTrendQuery{}, Resp: stats.Trend{}}, s.hqTrend)
	s.handle(route{Method: "POST", Path: "/v1/hq/figures/rollup", Summary: "Recompute one day of one city or of every city now, and HQ's sums (audited)", Tag: hqTag, Perm: "figures:rollup", Body: stats.HQRollupInput{}, Resp: stats.RollupResult{}}, s.rollupHQ)
}

func (s *Server) cityFigures(c *fiber.Ctx) error {
	var q stats.FiguresQuery
	if err := s.query(c, &q); err != nil {
		return err
	}
	out, err := s.d.Stats.CityFigures(c.UserContext(), q)
	if err != nil {
		return err
	}
	return s.figuresOut(c, q.Format, out)
}

func (s *Server) merchantFigures(c *fiber.Ctx) error {
	var q stats.FiguresQuery
	if err := s.query(c, &q); err != nil {
		return err
	}
	out, err := s.d.Stats.MerchantFigures(c.UserContext(), q)
	if err != nil {
		return err
	}
	return s.figuresOut(c, q.Format, out)
}

func (s *Server) hqFigures(c *fiber.Ctx) error {
	var q stats.HQFiguresQuery
	if err := s.query(c, &q); err != nil {
		return err
	}
	out, err := s.d.Stats.HQFigures(c.UserContext(), q)
	if err != nil {
		return err
	}
	return s.figuresOut(c, q.Format, out)
}

func (s *Server) cityTrend(c *fiber.Ctx) error {
	var q stats.TrendQuery
	if err := s.query(c, &q); err != nil {
		return err
	}
	out, err := s.d.Stats.CityTrend(c.UserContext(), q)
	if err != nil {
		return err
	}
	return s.trendOut(c, q.Format, out)
}

func (s *Server) merchantTrend(c *fiber.Ctx) error {
	var q stats.TrendQuery
	if err := s.query(c, &q); err != nil {
		return err
	}
	out, err := s.d.Stats.MerchantTrend(c.UserContext(), q)
	if err != nil {
		return err
	}
	return s.trendOut(c, q.Format, out)
}

func (s *Server) hqTrend(c *fiber.Ctx) error {
	var q stats.HQTrendQuery
	if err := s.query(c, &q); err != nil {
		return err
	}
	out, err := s.d.Stats.HQTrend(c.UserContext(), q)
	if err != nil {
		return err
	}
	return s.trendOut(c, q.Format, out)
}

func (s *Server) measures(c *fiber.Ctx) error { return c.JSON(stats.Measures) }

func (s *Server) rollupCity(c *fiber.Ctx) error {
	var in stats.RollupInput
	if err := s.bind(c, &in); err != nil {
		return err
	}
	out, err := s.d.Stats.Rollup(c.UserContext(), in)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) rollupHQ(c *fiber.Ctx) error {
	var in stats.HQRollupInput
	if err := s.bind(c, &in); err != nil {
		return err
	}
	out, err := s.d.Stats.HQRollup(c.UserContext(), in)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

// figuresOut sends figures as JSON, or as CSV: a day column then one column
// per measure.
func (s *Server) figuresOut(c *fiber.Ctx, format string, f stats.Figures) error {
	if format != "csv" {
		return c.JSON(f)
	}
	who := f.City
	if f.MerchantID != 0 {
		who += "-merchant" + strconv.FormatInt(f.MerchantID, 10)
	}
	header := append([]string{"day"}, f.Measures...)
	return s.csv(c, fmt.Sprintf("figures-%s-%s-%s.csv", who, f.From, f.To), header, func(_ context.Context, yield func([]string) error) error {
		row := make([]string, len(header))
		for _, d := range f.Days {
			row[0] = d.Day
			for i, m := range f.Measures {
				row[i+1] = strconv.FormatInt(d.Values[m], 10)
			}
			if err := yield(row); err != nil {
				return err
			}
		}
		return nil
	})
}

// trendOut sends a trend as JSON, or as CSV: day, value.
func (s *Server) trendOut(c *fiber.Ctx, format string, t stats.Trend) error {
	if format != "csv" {
		return c.JSON(t)
	}
	who := t.City
	if t.MerchantID != 0 {
		who += "-merchant" + strconv.FormatInt(t.MerchantID, 10)
	}
	return s.csv(c, fmt.Sprintf("%s-%s-%s-%s.csv", t.Measure, who, t.From, t.To), []string{"day", t.Measure}, func(_ context.Context, yield func([]string) error) error {
		for _, p := range t.Points {
			if err := yield([]string{p.Day, strconv.FormatInt(p.Value, 10)}); err != nil {
				return err
			}
		}
		return nil
	})
}

// orderCSVHeader are the columns of the orders export.
var orderCSVHeader = []string{"id", "order_no", "status", "created_local", "slot_local", "merchant_id", "service_item_id", "staff_id", "customer_id",
	"title", "category_code", "price_model", "total_fen", "paid_fen", "refunded_fen", "cancel_fee_fen", "contact_name", "phone", "address",
	"requirements", "close_reason"}

// cityOrdersCSV exports the city's orders with GET /v1/admin/orders'
// filters, paging through booking's list on the server.
func (s *Server) cityOrdersCSV(c *fiber.Ctx) error {
	var q booking.CityOrderQuery
	if err := s.query(c, &q); err != nil {
		return err
	}
	// Fiber reuses the query's bytes once the handler returns; rows runs after.
	q = booking.CityOrderQuery{Status: strings.Clone(q.Status), MerchantID: q.MerchantID, From: strings.Clone(q.From), To: strings.Clone(q.To),
		Q: strings.Clone(q.Q), Cursor: strings.Clone(q.Cursor), Limit: 100}
	ct, err := tenants.MustCity(c.UserContext())
	if err != nil {
		return err
	}
	name := fmt.Sprintf("orders-%s-%s.csv", ct.Code, time.Now().In(ct.Loc).Format("20060102-1504"))
	return s.csv(c, name, orderCSVHeader, func(ctx context.Context, yield func([]string) error) error {
		n := 0
		for {
			page, err := s.d.Booking.ListCityOrders(ctx, q)
			if err != nil {
				return err
			}
			for _, o := range page.Items {
				if n == maxOrdersCSV {
					return nil
				}
				n++
				if err := yield([]string{strconv.FormatInt(o.ID, 10), o.OrderNo, o.Status, o.CreatedLocal, o.SlotLocal,
					strconv.FormatInt(o.MerchantID, 10), strconv.FormatInt(o.ServiceItemID, 10), strconv.FormatInt(o.StaffID, 10),
					strconv.FormatInt(o.CustomerID, 10), o.Title, o.CategoryCode, o.PriceModel, strconv.FormatInt(o.TotalFen, 10),
					strconv.FormatInt(o.PaidFen, 10), strconv.FormatInt(o.RefundedFen, 10), strconv.FormatInt(o.CancelFeeFen, 10),
					o.ContactName, o.PhoneMasked, o.AddressMasked, o.Requirements, o.CloseReason}); err != nil {
					return err
				}
			}
			if page.NextCursor == "" {
				return nil
			}
			q.Cursor = page.NextCursor
		}
	})
}
