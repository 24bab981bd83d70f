package stats

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"doorstep/tenants"
)

// HandlePlatform is the stats:platform task: it copies every city's
// figures of its own today and yesterday into the HQ figures table and
// adds up city "all" for each of those days. A city whose rollup has not
// run for a day yet is skipped for that day; one city that cannot be read
// does not stop the others (its error is returned after the rest is
// written, so the task is retried).
func (s *Service) HandlePlatform(ctx context.Context, _ []byte) error {
	now := s.now()
	return s.publish(ctx, s.reg.Cities(), func(c *tenants.City) []string {
		today := localDay(now, c.Loc)
		return []string{addDays(today, -1), today}
	})
}

// HandleRollup is the stats:rollup task of ctx's city: it recomputes the
// city's yesterday and today (city time).
func (s *Service) HandleRollup(ctx context.Context, _ []byte) error {
	c, err := tenants.MustCity(ctx)
	if err != nil {
		return err
	}
	today := localDay(s.now(), c.Loc)
	for _, d := range []string{addDays(today, -1), today} {
		if _, err := s.RollupDay(ctx, d); err != nil {
			return err
		}
	}
	return nil
}

// publish reads the city rows (merchant 0) of each city's days, then, in
// one HQ transaction, makes HQ's rows of those cities and days equal them
// and recomputes "all" of every day touched from HQ's rows of all cities.
func (s *Service) publish(ctx context.Context, cities []*tenants.City, daysOf func(*tenants.City) []string) error {
	var mu sync.Mutex
	got := map[string]map[string]map[string]int64{} // city -> day -> measure -> value
	errs := s.reg.ForEachCity(ctx, cities, 4, func(ctx context.Context, c *tenants.City) error {
		rows, err := cityDays(ctx, daysOf(c))
		if err != nil {
			return err
		}
		mu.Lock()
		got[c.Code] = rows
		mu.Unlock()
		return nil
	})
	touched := map[string]bool{}
	for _, byDay := range got {
		for d := range byDay {
			touched[d] = true
		}
	}
	if len(touched) > 0 {
		now := s.now()
		err := s.reg.HQTx(ctx, func(ctx context.Context) error {
			db, table := s.reg.HQ(ctx), s.reg.HQTable("figures")
			codes := make([]string, 0, len(got))
			for code := range got {
				codes = append(codes, code)
			}
			sort.Strings(codes)
			for _, code := range codes {
				for d, vals := range got[code] {
					want := make(map[pair[string]]int64, len(vals))
					for n, v := range vals {
						want[pair[string]{code, n}] = v
					}
					if _, err := writeDay(db, table, "city", d, []string{code}, want, now); err != nil {
						return fmt.Errorf("hq figures of %s %s: %w", code, d, err)
					}
				}
			}
			for _, d := range sortedKeys(touched) {
				if err := s.sumAll(ctx, d, now); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	var all []error
	for code, err := range errs {
		all = append(all, fmt.Errorf("read figures of %s: %w", code, err))
	}
	return errors.Join(all...)
}

// cityDays reads the city-wide rows of ctx's city for days; a day with no
// rows is absent.
func cityDays(ctx context.Context, ds []string) (map[string]map[string]int64, error) {
	var rows []struct {
		Day     time.Time
		Measure string
		Value   int64
	}
	err := tenants.DB(ctx).Raw("SELECT day, measure, value FROM "+tenants.Table(ctx, "figures")+" WHERE merchant_id = 0 AND day IN ?", ds).Scan(&rows).Error
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

// sumAll recomputes HQ's "all" of one day from HQ's rows of every city:
// counts, money and distinct people add up; ratios are derived again from
// the added parts.
func (s *Service) sumAll(ctx context.Context, day string, now time.Time) error {
	db, table := s.reg.HQ(ctx), s.reg.HQTable("figures")
	var rows []struct {
		Measure string
		Value   int64
	}
	if err := db.Raw("SELECT measure, SUM(value) AS value FROM "+table+" WHERE day = ? AND city <> ? GROUP BY measure", day, All).Scan(&rows).Error; err != nil {
		return fmt.Errorf("sum cities %s: %w", day, err)
	}
	vals := map[string]int64{}
	for _, r := range rows {
		vals[r.Measure] = r.Value
	}
	want := map[pair[string]]int64{}
	if len(rows) > 0 {
		derive(vals, CityMeasures)
		for _, n := range CityMeasures {
			want[pair[string]{All, n}] = vals[n]
		}
	}
	if _, err := writeDay(db, table, "city", day, []string{All}, want, now); err != nil {
		return fmt.Errorf("hq figures of all %s: %w", day, err)
	}
	return nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
