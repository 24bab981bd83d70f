package stats

import (
	"time"

	"doorstep/app"
)

// A day is a civil date of a city, "2006-01-02". Figures are kept by the
// city's local day; its UTC range comes from the city's time zone, so a
// day is 24 hours long except across a daylight-saving change.
const dayLayout = time.DateOnly

// MaxDays is the longest range one read may cover.
const MaxDays = 366

// bounds is the UTC range [start, end) of a city-local day.
func bounds(day string, loc *time.Location) (time.Time, time.Time, error) {
	d, err := time.ParseInLocation(dayLayout, day, loc)
	if err != nil {
		return time.Time{}, time.Time{}, app.Invalid("day", "YYYY-MM-DD")
	}
	// AddDate on the local date, not 24h: the next midnight across a
	// daylight-saving change is 23 or 25 hours away.
	return d.UTC(), time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc).UTC(), nil
}

// localDay is the city-local day an instant falls on.
func localDay(t time.Time, loc *time.Location) string { return t.In(loc).Format(dayLayout) }

// addDays moves a day by n calendar days.
func addDays(day string, n int) string {
	d, err := time.Parse(dayLayout, day)
	if err != nil {
		return day
	}
	return d.AddDate(0, 0, n).Format(dayLayout)
}

// parseDay checks a YYYY-MM-DD field.
func parseDay(field, v string) (string, error) {
	d, err := time.Parse(dayLayout, v)
	if err != nil {
		return "", app.Invalid(field, "a date YYYY-MM-DD")
	}
	return d.Format(dayLayout), nil
}

// span reads a from/to pair (both included) with defaults: to is today,
// from is six days before to. It refuses from after to and ranges longer
// than MaxDays.
func span(from, to, today string) (string, string, error) {
	var err error
	if to == "" {
		to = today
	} else if to, err = parseDay("to", to); err != nil {
		return "", "", err
	}
	if from == "" {
		from = addDays(to, -6)
	} else if from, err = parseDay("from", from); err != nil {
		return "", "", err
	}
	if from > to {
		return "", "", app.Invalid("from", "must not be after to")
	}
	if n := daysBetween(from, to) + 1; n > MaxDays {
		return "", "", app.Invalid("to", "a range covers at most 366 days")
	}
	return from, to, nil
}

// daysBetween counts calendar days from a to b.
func daysBetween(a, b string) int {
	da, _ := time.Parse(dayLayout, a)
	db, _ := time.Parse(dayLayout, b)
	return int(db.Sub(da).Hours() / 24)
}

// days lists every day from from to to, both included.
func days(from, to string) []string {
	var out []string
	for d := from; d <= to; d = addDays(d, 1) {
		out = append(out, d)
	}
	return out
}
