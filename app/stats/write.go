package stats

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// writeDay makes the stored figures of one day equal want: rows whose
// value differs (or that are missing) are upserted with computed_at = now,
// rows not in want are deleted, equal rows are left alone (computed_at is
// when the value last changed). keyCol names the "who" column: merchant_id
// in a city's figures, city in HQ's. scope, when not nil, limits the rows
// considered to those whos (HQ rewrites one city at a time). It returns
// how many rows it wrote or deleted.
func writeDay[K cmp.Ordered](db *gorm.DB, table, keyCol, day string, scope []K, want map[pair[K]]int64, now time.Time) (int, error) {
	var stored []struct {
		Who     K
		Measure string
		Value   int64
	}
	q := "SELECT " + keyCol + " AS who, measure, value FROM " + table + " WHERE day = ?"
	args := []any{day}
	if scope != nil {
		q += " AND " + keyCol + " IN ?"
		args = append(args, scope)
	}
	if err := db.Raw(q, args...).Scan(&stored).Error; err != nil {
		return 0, fmt.Errorf("read figures: %w", err)
	}
	have := make(map[pair[K]]int64, len(stored))
	for _, r := range stored {
		have[pair[K]{r.Who, r.Measure}] = r.Value
	}
	var put []pair[K]
	for k, v := range want {
		if old, ok := have[k]; !ok || old != v {
			put = append(put, k)
		}
	}
	stale := map[K][]string{}
	for k := range have {
		if _, ok := want[k]; !ok {
			stale[k.Who] = append(stale[k.Who], k.Measure)
		}
	}
	// One order for every writer: two runs of the same day lock rows in the
	// same sequence.
	slices.SortFunc(put, func(a, b pair[K]) int {
		if c := cmp.Compare(a.Who, b.Who); c != 0 {
			return c
		}
		return cmp.Compare(a.Measure, b.Measure)
	})
	const batch = 500
	for i := 0; i < len(put); i += batch {
		part := put[i:min(i+batch, len(put))]
		var sb strings.Builder
		sb.WriteString("INSERT INTO " + table + " (day, " + keyCol + ", measure, value, computed_at) VALUES ")
		vals := make([]any, 0, len(part)*5)
		for j, k := range part {
			if j > 0 {
				sb.WriteString(",")
			}
			sb.WriteString("(?, ?, ?, ?, ?)")
			vals = append(vals, day, k.Who, k.Measure, want[k], now)
		}
		sb.WriteString(" ON DUPLICATE KEY UPDATE value = VALUES(value), computed_at = VALUES(computed_at)")
		if err := db.Exec(sb.String(), vals...).Error; err != nil {
			return 0, fmt.Errorf("write figures: %w", err)
		}
	}
	whos := make([]K, 0, len(stale))
	for w := range stale {
		whos = append(whos, w)
	}
	slices.Sort(whos)
	deleted := 0
	for _, w := range whos {
		if err := db.Exec("DELETE FROM "+table+" WHERE day = ? AND "+keyCol+" = ? AND measure IN ?", day, w, stale[w]).Error; err != nil {
			return 0, fmt.Errorf("delete stale figures: %w", err)
		}
		deleted += len(stale[w])
	}
	return len(put) + deleted, nil
}
