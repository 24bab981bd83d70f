package stats

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"

	"doorstep/app"
	"doorstep/tenants"
)

// FiguresQuery asks for the figures of a range of days.
type FiguresQuery struct {
	From     string `query:"from" doc:"first day, YYYY-MM-DD in the city's time; default six days before to"`
	To       string `query:"to" doc:"last day (included), YYYY-MM-DD; default today in the city; at most 366 days in all"`
	Measures string `query:"measures" doc:"comma-separated measure names; default every measure of this scope"`
	Format   string `query:"format" validate:"omitempty,oneof=json csv" doc:"json (default) or csv (UTF-8 with BOM: one row per day, one column per measure)"`
}

// TrendQuery asks for one measure day by day.
type TrendQuery struct {
	Measure string `query:"measure" validate:"required"`
	From    string `query:"from" doc:"first day, YYYY-MM-DD in the city's time; default 29 days before to"`
	To      string `query:"to" doc:"last day (included), YYYY-MM-DD; default today in the city; at most 366 days in all"`
	Format  string `query:"format" validate:"omitempty,oneof=json csv" doc:"json (default) or csv (day,value)"`
}

// HQFiguresQuery is FiguresQuery for HQ: one city or all of them.
type HQFiguresQuery struct {
	City     string `query:"city" doc:"a city code, or all (default): the sum of every city"`
	From     string `query:"from" doc:"first day, YYYY-MM-DD (each city's own days); default six days before to"`
	To       string `query:"to" doc:"last day (included), YYYY-MM-DD; default today; at most 366 days in all"`
	Measures string `query:"measures" doc:"comma-separated measure names; default every measure"`
	Format   string `query:"format" validate:"omitempty,oneof=json csv" doc:"json (default) or csv"`
}

// HQTrendQuery is TrendQuery for HQ.
type HQTrendQuery struct {
	City    string `query:"city" doc:"a city code, or all (default)"`
	Measure string `query:"measure" validate:"required"`
	From    string `query:"from" doc:"first day, YYYY-MM-DD; default 29 days before to"`
	To      string `query:"to" doc:"last day (included), YYYY-MM-DD; default today; at most 366 days in all"`
	Format  string `query:"format" validate:"omitempty,oneof=json csv" doc:"json (default) or csv (day,value)"`
}

// Figures are the figures of a range of days: every day of the range, with
// zeros for days that have no figures (nothing happened, or not rolled up).
type Figures struct {
	City       string           `json:"city" doc:"city code, or all"`
	MerchantID int64            `json:"merchant_id,omitempty"`
	TimeZone   string           `json:"time_zone,omitempty" doc:"days are this zone's days (absent for all: each city's own days)"`
	From       string           `json:"from"`
	To         string           `json:"to"`
	Measures   []string         `json:"measures"`
	Days       []DayValues      `json:"days"`
	Totals     map[string]int64 `json:"totals" doc:"the range as a whole: counts and money added up, ratios derived from the added parts; distinct people (active_customers, active_staff, new_customers) are left out as they do not add up over days"`
}

// DayValues are one day's values by measure name.
type DayValues struct {
	Day    string           `json:"day"`
	Values map[string]int64 `json:"values"`
}

// Trend is one measure day by day.
type Trend struct {
	City       string  `json:"city"`
	MerchantID int64   `json:"merchant_id,omitempty"`
	TimeZone   string  `json:"time_zone,omitempty"`
	Measure    string  `json:"measure"`
	From       string  `json:"from"`
	To         string  `json:"to"`
	Points     []Point `json:"points"`
	Total      *int64  `json:"total" doc:"the range as a whole, as in Figures.totals; null for distinct people"`
}

// Point is one day of a trend.
type Point struct {
	Day   string `json:"day"`
	Value int64  `json:"value"`
}

// scope says whose figures a read reaches.
type scope struct {
	city     string
	merchant int64
	zone     string
	loc      *time.Location
	measures []string
	db       *gorm.DB
	table    string
	where    string // the who column = ?
	who      any
}

func (s *Service) cityScope(ctx context.Context, merchant bool) (scope, error) {
	c, err := tenants.MustCity(ctx)
	if err != nil {
		return scope{}, err
	}
	sc := scope{city: c.Code, zone: c.Zone, loc: c.Loc, measures: CityMeasures, db: tenants.DB(ctx), table: tenants.Table(ctx, "figures"),
		where: "merchant_id = ?", who: int64(0)}
	if merchant {
		a, err := app.MustActor(ctx)
		if err != nil {
			return scope{}, err
		}
		if a.MerchantID <= 0 {
			return scope{}, app.ErrForbidden.WithMessage("your role acts for no merchant")
		}
		sc.merchant, sc.who, sc.measures = a.MerchantID, a.MerchantID, MerchantMeasures
	}
	return sc, nil
}

func (s *Service) hqScope(ctx context.Context, code string) (scope, error) {
	code = strings.ToLower(strings.TrimSpace(code))
	if code == "" {
		code = All
	}
	sc := scope{city: code, measures: CityMeasures, db: s.reg.HQ(ctx), table: s.reg.HQTable("figures"), where: "city = ?", who: code}
	if code != All {
		c, err := s.reg.Lookup(code)
		if err != nil {
			return scope{}, ErrCityNotFound
		}
		sc.zone, sc.loc = c.Zone, c.Loc
	}
	return sc, nil
}

// today is the scope's current day: its city's, or for all the latest of
// every city's (so today's figures of any city fall in the default range).
func (s *Service) today(sc scope) string {
	now := s.now()
	if sc.loc != nil {
		return localDay(now, sc.loc)
	}
	latest := localDay(now, time.UTC)
	for _, c := range s.reg.Cities() {
		if d := localDay(now, c.Loc); d > latest {
			latest = d
		}
	}
	return latest
}

// CityFigures returns ctx's city's figures of a range.
func (s *Service) CityFigures(ctx context.Context, q FiguresQuery) (Figures, error) {
	sc, err := s.cityScope(ctx, false)
	if err != nil {
		return Figures{}, err
	}
	return s.figures(sc, q)
}

// MerchantFigures returns the figures of the merchant the actor acts for.
func (s *Service) MerchantFigures(ctx context.Context, q FiguresQuery) (Figures, error) {
	sc, err := s.cityScope(ctx, true)
	if err != nil {
		return Figures{}, err
	}
	return s.figures(sc, q)
}

// HQFigures returns one city's figures as HQ holds them, or all cities'.
func (s *Service) HQFigures(ctx context.Context, q HQFiguresQuery) (Figures, error) {
	sc, err := s.hqScope(ctx, q.City)
	if err != nil {
		return Figures{}, err
	}
	return s.figures(sc, FiguresQuery{From: q.From, To: q.To, Measures: q.Measures})
}

// CityTrend returns one measure of ctx's city day by day.
func (s *Service) CityTrend(ctx context.Context, q TrendQuery) (Trend, error) {
	sc, err := s.cityScope(ctx, false)
	if err != nil {
		return Trend{}, err
	}
	return s.trend(sc, q)
}

// MerchantTrend returns one measure of the actor's merchant day by day.
func (s *Service) MerchantTrend(ctx context.Context, q TrendQuery) (Trend, error) {
	sc, err := s.cityScope(ctx, true)
	if err != nil {
		return Trend{}, err
	}
	return s.trend(sc, q)
}

// HQTrend returns one measure of one city, or of all, day by day.
func (s *Service) HQTrend(ctx context.Context, q HQTrendQuery) (Trend, error) {
	sc, err := s.hqScope(ctx, q.City)
	if err != nil {
		return Trend{}, err
	}
	return s.trend(sc, TrendQuery{Measure: q.Measure, From: q.From, To: q.To})
}

// pick reads a comma-separated list of measures of the scope; empty is all.
func pick(list, of []string) ([]string, error) {
	var out []string
	for _, n := range of {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		if !known(list, n) {
			return nil, ErrUnknownMeasure.WithMessage("no measure %q here; one of %s", n, strings.Join(list, ", "))
		}
		if !known(out, n) {
			out = append(out, n)
		}
	}
	if len(out) == 0 {
		return list, nil
	}
	return out, nil
}

func (s *Service) figures(sc scope, q FiguresQuery) (Figures, error) {
	var asked []string
	if q.Measures != "" {
		asked = strings.Split(q.Measures, ",")
	}
	ms, err := pick(sc.measures, asked)
	if err != nil {
		return Figures{}, err
	}
	from, to, err := span(q.From, q.To, s.today(sc))
	if err != nil {
		return Figures{}, err
	}
	stored, err := s.load(sc, from, to)
	if err != nil {
		return Figures{}, err
	}
	out := Figures{City: sc.city, MerchantID: sc.merchant, TimeZone: sc.zone, From: from, To: to, Measures: ms, Totals: map[string]int64{}}
	all := make([]map[string]int64, 0, len(stored))
	for _, d := range days(from, to) {
		vals := make(map[string]int64, len(ms))
		for _, n := range ms {
			vals[n] = stored[d][n]
		}
		out.Days = append(out.Days, DayValues{Day: d, Values: vals})
		if stored[d] != nil {
			all = append(all, stored[d])
		}
	}
	totals := sum(all, sc.measures, false)
	for _, n := range ms {
		if v, ok := totals[n]; ok {
			out.Totals[n] = v
		}
	}
	return out, nil
}

func (s *Service) trend(sc scope, q TrendQuery) (Trend, error) {
	if !known(sc.measures, q.Measure) {
		return Trend{}, ErrUnknownMeasure.WithMessage("no measure %q here; one of %s", q.Measure, strings.Join(sc.measures, ", "))
	}
	today := s.today(sc)
	from := q.From
	if from == "" {
		to := today
		if q.To != "" {
			var err error
			if to, err = parseDay("to", q.To); err != nil {
				return Trend{}, err
			}
		}
		from = addDays(to, -29)
	}
	from, to, err := span(from, q.To, today)
	if err != nil {
		return Trend{}, err
	}
	stored, err := s.load(sc, from, to)
	if err != nil {
		return Trend{}, err
	}
	out := Trend{City: sc.city, MerchantID: sc.merchant, TimeZone: sc.zone, Measure: q.Measure, From: from, To: to}
	all := make([]map[string]int64, 0, len(stored))
	for _, d := range days(from, to) {
		out.Points = append(out.Points, Point{Day: d, Value: stored[d][q.Measure]})
		if stored[d] != nil {
			all = append(all, stored[d])
		}
	}
	if v, ok := sum(all, sc.measures, false)[q.Measure]; ok {
		out.Total = &v
	}
	return out, nil
}

// load reads every stored measure of the scope from from to to: day ->
// measure -> value. Totals need the parts of ratios even when only the
// ratio was asked for, so it never filters by measure.
func (s *Service) load(sc scope, from, to string) (map[string]map[string]int64, error) {
	var rows []struct {
		Day     time.Time
		Measure string
		Value   int64
	}
	err := sc.db.Raw("SELECT day, measure, value FROM "+sc.table+" WHERE "+sc.where+" AND day >= ? AND day <= ?", sc.who, from, to).Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	out := map[string]map[string]int64{}
	for _, r := range rows {
		d := r.Day.Format(dayLayout)
		if out[d] == nil {
			out[d] = map[string]int64{}
		}
		out[d][r.Measure] = r.Value
	}
	return out, nil
}
