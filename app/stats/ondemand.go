package stats

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"doorstep/tenants"
)

// RollupInput asks for one day of the city to be recomputed now.
type RollupInput struct {
	Day string `json:"day" validate:"required" doc:"YYYY-MM-DD in the city's time: today or any day before"`
}

// HQRollupInput asks HQ to recompute one day of one city or of every city.
type HQRollupInput struct {
	Day  string `json:"day" validate:"required" doc:"YYYY-MM-DD, each city's own day"`
	City string `json:"city" doc:"a city code, or all (default): every city whose day has begun"`
}

// RollupResult is a day's figures right after it was recomputed.
type RollupResult struct {
	City    string           `json:"city"`
	Day     string           `json:"day"`
	Changed int              `json:"changed" doc:"figure rows written or deleted by this run (0: nothing had changed)"`
	Values  map[string]int64 `json:"values"`
}

// Rollup recomputes one day of ctx's city now, then copies it to HQ and
// adds up HQ's "all" of that day again. Recomputing an unchanged day
// changes nothing. Audited.
func (s *Service) Rollup(ctx context.Context, in RollupInput) (RollupResult, error) {
	c, err := tenants.MustCity(ctx)
	if err != nil {
		return RollupResult{}, err
	}
	day, err := parseDay("day", in.Day)
	if err != nil {
		return RollupResult{}, err
	}
	if day > localDay(s.now(), c.Loc) {
		return RollupResult{}, ErrFutureDay
	}
	n, err := s.RollupDay(ctx, day)
	if err != nil {
		return RollupResult{}, err
	}
	if err := s.publish(ctx, []*tenants.City{c}, func(*tenants.City) []string { return []string{day} }); err != nil {
		return RollupResult{}, err
	}
	s.audit.Record(ctx, "figures.rollup", "city_day", c.Code+":"+day, "ok", map[string]int{"changed": n})
	rows, err := cityDays(ctx, []string{day})
	if err != nil {
		return RollupResult{}, err
	}
	return RollupResult{City: c.Code, Day: day, Changed: n, Values: valuesOf(rows[day], CityMeasures)}, nil
}

// HQRollup recomputes one day of one city, or of every city whose day has
// begun, then HQ's copies and "all" of that day. Audited.
func (s *Service) HQRollup(ctx context.Context, in HQRollupInput) (RollupResult, error) {
	day, err := parseDay("day", in.Day)
	if err != nil {
		return RollupResult{}, err
	}
	code := strings.ToLower(strings.TrimSpace(in.City))
	if code == "" {
		code = All
	}
	var cities []*tenants.City
	now := s.now()
	if code == All {
		for _, c := range s.reg.Cities() {
			if day <= localDay(now, c.Loc) {
				cities = append(cities, c)
			}
		}
	} else {
		c, err := s.reg.Lookup(code)
		if err != nil {
			return RollupResult{}, ErrCityNotFound
		}
		if day > localDay(now, c.Loc) {
			return RollupResult{}, ErrFutureDay
		}
		cities = []*tenants.City{c}
	}
	var changed int
	counts := make([]int, len(cities)) // one slot per city: goroutines write apart
	idx := make(map[string]int, len(cities))
	for i, c := range cities {
		idx[c.Code] = i
	}
	errs := s.reg.ForEachCity(ctx, cities, 4, func(ctx context.Context, c *tenants.City) error {
		n, err := s.RollupDay(ctx, day)
		counts[idx[c.Code]] = n
		return err
	})
	for _, n := range counts {
		changed += n
	}
	if err := s.publish(ctx, cities, func(*tenants.City) []string { return []string{day} }); err != nil {
		return RollupResult{}, err
	}
	if len(errs) > 0 {
		var all []error
		for c, err := range errs {
			all = append(all, fmt.Errorf("%s: %w", c, err))
		}
		return RollupResult{}, errors.Join(all...)
	}
	s.audit.Record(ctx, "figures.rollup", "city_day", code+":"+day, "ok", map[string]int{"changed": changed, "cities": len(cities)})
	sc, err := s.hqScope(ctx, code)
	if err != nil {
		return RollupResult{}, err
	}
	stored, err := s.load(sc, day, day)
	if err != nil {
		return RollupResult{}, err
	}
	return RollupResult{City: code, Day: day, Changed: changed, Values: valuesOf(stored[day], CityMeasures)}, nil
}

// valuesOf is vals with every one of measures present (0 when missing).
func valuesOf(vals map[string]int64, measures []string) map[string]int64 {
	out := make(map[string]int64, len(measures))
	for _, n := range measures {
		out[n] = vals[n]
	}
	return out
}
