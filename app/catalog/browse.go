package catalog

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"

	"doorstep/app"
	"doorstep/app/geo"
	"doorstep/tenants"
)

// Browse sorts.
const (
	SortDefault   = "default"    // 综合: a rating that needs reviews to count (Bayesian), then sales
	SortSales     = "sales"      // most sold first
	SortRating    = "rating"     // best rated first
	SortPriceAsc  = "price_asc"  // cheapest first (deposit items by the low end of their range)
	SortPriceDesc = "price_desc" // dearest first
	SortDistance  = "distance"   // nearest first (needs lat and lng)
)

// BrowseQuery is what a customer asks of GET /v1/services.
type BrowseQuery struct {
	Category  string  `query:"category" doc:"category code; a parent includes its sub-categories"`
	Q         string  `query:"q" doc:"keywords (Chinese or English); every word must match"`
	MinPrice  int64   `query:"min_price" doc:"fen"`
	MaxPrice  int64   `query:"max_price" doc:"fen"`
	MinRating int     `query:"min_rating" doc:"stars x 100, e.g. 450"`
	Lat       float64 `query:"lat" doc:"with lng: only services whose area covers this point, with distance_m"`
	Lng       float64 `query:"lng"`
	RadiusM   int     `query:"radius_m" doc:"with lat/lng: only services at most this far (meters)"`
	Sort      string  `query:"sort" doc:"default, sales, rating, price_asc, price_desc or distance"`
	Limit     int     `query:"limit" doc:"1-50, default 20"`
	Cursor    string  `query:"cursor"`
}

// HasPoint tells whether the query carries a location.
func (q BrowseQuery) HasPoint() bool { return q.Lat != 0 || q.Lng != 0 }

// coordStep is the precision a location is rounded to (~11 m) so that
// nearby customers share cache entries; distances are exact to that.
const coordStep = 1e4

// Normalize checks the query and puts it in its canonical form (the cache
// key depends on it).
func (q *BrowseQuery) Normalize() error {
	q.Category = strings.ToLower(strings.TrimSpace(q.Category))
	q.Q = strings.ToLower(strings.Join(strings.Fields(q.Q), " "))
	if utf8.RuneCountInString(q.Q) > 64 {
		return app.Invalid("q", "at most 64 characters")
	}
	if q.MinPrice < 0 {
		return app.Invalid("min_price", "must be >= 0")
	}
	if q.MaxPrice < 0 || (q.MaxPrice > 0 && q.MaxPrice < q.MinPrice) {
		return app.Invalid("max_price", "must be >= min_price")
	}
	if q.MinRating < 0 || q.MinRating > 500 {
		return app.Invalid("min_rating", "0 to 500 (stars x 100)")
	}
	if q.HasPoint() {
		p := geo.Point{Lat: q.Lat, Lng: q.Lng}
		if !p.Valid() {
			return app.Invalid("lat", "lat and lng must be a real location")
		}
		q.Lat = math.Round(q.Lat*coordStep) / coordStep
		q.Lng = math.Round(q.Lng*coordStep) / coordStep
	}
	if q.RadiusM != 0 {
		if !q.HasPoint() {
			return app.Invalid("radius_m", "needs lat and lng")
		}
		if q.RadiusM < 100 || q.RadiusM > 200_000 {
			return app.Invalid("radius_m", "100 to 200000 meters")
		}
	}
	q.Sort = strings.TrimSpace(q.Sort)
	switch q.Sort {
	case "":
		q.Sort = SortDefault
	case SortDefault, SortSales, SortRating, SortPriceAsc, SortPriceDesc:
	case SortDistance:
		if !q.HasPoint() {
			return app.Invalid("sort", "distance needs lat and lng")
		}
	default:
		return app.Invalid("sort", "default, sales, rating, price_asc, price_desc or distance")
	}
	switch {
	case q.Limit <= 0:
		q.Limit = 20
	case q.Limit > 50:
		q.Limit = 50
	}
	if len(q.Cursor) > 256 {
		return app.Invalid("cursor", "malformed cursor")
	}
	return nil
}

// key is the canonical cache key of a normalized query.
func (q BrowseQuery) key(city string) string {
	var b strings.Builder
	b.Grow(96)
	b.WriteString(city)
	b.WriteString("|b|")
	b.WriteString(q.Category)
	b.WriteByte('|')
	b.WriteString(q.Q)
	b.WriteByte('|')
	b.WriteString(strconv.FormatInt(q.MinPrice, 10))
	b.WriteByte('|')
	b.WriteString(strconv.FormatInt(q.MaxPrice, 10))
	b.WriteByte('|')
	b.WriteString(strconv.Itoa(q.MinRating))
	b.WriteByte('|')
	if q.HasPoint() {
		b.WriteString(strconv.FormatFloat(q.Lat, 'f', 4, 64))
		b.WriteByte(',')
		b.WriteString(strconv.FormatFloat(q.Lng, 'f', 4, 64))
	}
	b.WriteByte('|')
	b.WriteString(strconv.Itoa(q.RadiusM))
	b.WriteByte('|')
	b.WriteString(q.Sort)
	b.WriteByte('|')
	b.WriteString(strconv.Itoa(q.Limit))
	b.WriteByte('|')
	b.WriteString(q.Cursor)
	return b.String()
}

// BrowseItem is one service in a browse or search answer.
type BrowseItem struct {
	ID          int64         `json:"id"`
	Title       string        `json:"title"`
	Photo       string        `json:"photo"`
	Category    CategoryBrief `json:"category"`
	PriceModel  string        `json:"price_model"`
	PriceFen    int64         `json:"price_fen"`
	PriceMaxFen int64         `json:"price_max_fen"`
	DepositFen  int64         `json:"deposit_fen"`
	Unit        string        `json:"unit"`
	DurationMin int           `json:"duration_min"`
	RatingAvg   int           `json:"rating_avg"`
	RatingCount int64         `json:"rating_count"`
	SalesCount  int64         `json:"sales_count"`
	Merchant    MerchantBrief `json:"merchant"`
	DistanceM   *int64        `json:"distance_m,omitempty"`
}

// MerchantBrief names a merchant in browse answers.
type MerchantBrief struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

type browseRow struct {
	ID           int64
	MerchantID   int64
	CategoryCode string
	Title        string
	Photos       string
	PriceModel   string
	PriceFen     int64
	PriceMaxFen  int64
	DepositFen   int64
	Unit         string
	DurationMin  int
	Area         *string
	RatingSum    int64
	RatingCount  int64
	RatingAvg    int
	SalesCount   int64
	MerchantName string
	MerchantArea string
	distance     int64
}

// area is the row's service area: its own, else its merchant's.
func (r *browseRow) area() (geo.Area, bool) {
	var a geo.Area
	if r.Area != nil && *r.Area != "" && *r.Area != "null" {
		if err := json.Unmarshal([]byte(*r.Area), &a); err == nil {
			return a, true
		}
	}
	if r.MerchantArea == "" || json.Unmarshal([]byte(r.MerchantArea), &a) != nil {
		return a, false
	}
	return a, true
}

// areaCenter is where distance is measured to: a circle's centre, or the
// mean of a polygon's corners.
func areaCenter(a geo.Area) geo.Point {
	if !a.IsPolygon() {
		return a.Center
	}
	var p geo.Point
	for _, v := range a.Polygon {
		p.Lat += v.Lat
		p.Lng += v.Lng
	}
	n := float64(len(a.Polygon))
	return geo.Point{Lat: p.Lat / n, Lng: p.Lng / n}
}

type sortKey struct {
	expr string
	desc bool
}

// The default rank is a Bayesian average: five phantom reviews of 4 stars,
// so one lucky 5-star review does not outrank a hundred 4.8s.
const scoreExpr = "(i.rating_sum * 100 + 2000) DIV (i.rating_count + 5)"

func score(r *browseRow) int64 { return (r.RatingSum*100 + 2000) / (r.RatingCount + 5) }

var sortKeys = map[string][]sortKey{
	SortDefault:   {{scoreExpr, true}, {"i.sales_count", true}, {"i.id", true}},
	SortSales:     {{"i.sales_count", true}, {"i.id", true}},
	SortRating:    {{"i.rating_avg", true}, {"i.rating_count", true}, {"i.id", true}},
	SortPriceAsc:  {{"i.price_fen", false}, {"i.id", false}},
	SortPriceDesc: {{"i.price_fen", true}, {"i.id", true}},
	SortDistance:  {{"distance", false}, {"i.id", false}}, // computed in Go
}

func keyOf(sort string, r *browseRow) []int64 {
	switch sort {
	case SortDefault:
		return []int64{score(r), r.SalesCount, r.ID}
	case SortSales:
		return []int64{r.SalesCount, r.ID}
	case SortRating:
		return []int64{int64(r.RatingAvg), r.RatingCount, r.ID}
	case SortPriceAsc, SortPriceDesc:
		return []int64{r.PriceFen, r.ID}
	case SortDistance:
		return []int64{r.distance, r.ID}
	}
	return []int64{r.ID}
}

// browseCursor is the keyset position after the last item of a page.
type browseCursor struct {
	Sort string  `json:"s"`
	Key  []int64 `json:"k"`
}

// after renders "strictly after key" for keys as SQL:
// (a > x) OR (a = x AND b > y) OR ..., with < for descending keys.
func after(keys []sortKey, vals []int64) (string, []any) {
	var or []string
	var args []any
	for i := range keys {
		var and []string
		for j := 0; j < i; j++ {
			and = append(and, keys[j].expr+" = ?")
			args = append(args, vals[j])
		}
		op := " > ?"
		if keys[i].desc {
			op = " < ?"
		}
		and = append(and, keys[i].expr+op)
		args = append(args, vals[i])
		or = append(or, "("+strings.Join(and, " AND ")+")")
	}
	return "(" + strings.Join(or, " OR ") + ")", args
}

func orderBy(keys []sortKey) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k.expr
		if k.desc {
			parts[i] += " DESC"
		}
	}
	return strings.Join(parts, ", ")
}

// likeEscape escapes LIKE wildcards with '!' (declared with ESCAPE '!',
// which means the same whatever the server's backslash mode).
var likeEscape = strings.NewReplacer("!", "!!", "%", "!%", "_", "!_")

// LikeContains is a LIKE pattern matching s anywhere, wildcards escaped
// (use with ESCAPE '!').
func LikeContains(s string) string { return "%" + likeEscape.Replace(s) + "%" }

// BrowseJSON answers a browse query from the cache, or computes, marshals
// and caches it. The answer may be up to CacheTTL old when another copy
// wrote and its notice was lost; writes in this copy show at once.
func (s *Service) BrowseJSON(ctx context.Context, q BrowseQuery) (Answer, error) {
	c, err := tenants.MustCity(ctx)
	if err != nil {
		return Answer{}, err
	}
	if err := q.Normalize(); err != nil {
		return Answer{}, err
	}
	return s.cache.Get(c.Code, q.key(c.Code), func() ([]byte, error) {
		out, err := s.browse(ctx, q)
		if err != nil {
			return nil, err
		}
		return json.Marshal(out)
	})
}

// Browse answers a browse query without the cache.
func (s *Service) Browse(ctx context.Context, q BrowseQuery) (app.List[BrowseItem], error) {
	if err := q.Normalize(); err != nil {
		return app.List[BrowseItem]{}, err
	}
	return s.browse(ctx, q)
}

func (s *Service) browse(ctx context.Context, q BrowseQuery) (app.List[BrowseItem], error) {
	out := app.List[BrowseItem]{Items: []BrowseItem{}}
	t, err := s.Tree(ctx)
	if err != nil {
		return out, err
	}
	keys := sortKeys[q.Sort]
	var cur browseCursor
	if err := app.DecodeCursor(q.Cursor, &cur); err != nil {
		return out, err
	}
	if q.Cursor != "" && (cur.Sort != q.Sort || len(cur.Key) != len(keys)) {
		return out, app.Invalid("cursor", "this cursor belongs to another sort; start again without it")
	}

	var where []string
	var args []any
	where = append(where, "i.status = ?", "m.status = ?")
	args = append(args, ItemOn, shopActive)
	if q.Category != "" {
		codes := t.Subtree(q.Category)
		if len(codes) == 0 {
			return out, nil // unknown category: nothing in it
		}
		where = append(where, "i.category_code IN ?")
		args = append(args, codes)
	}
	// As Detail refuses them: nothing of a hidden or unknown category.
	where = append(where, "i.category_code IN ?")
	args = append(args, t.Visible()) // none: IN (NULL), nothing
	for _, w := range strings.Fields(q.Q) {
		where = append(where, "i.search_text LIKE ? ESCAPE '!'")
		args = append(args, LikeContains(w))
	}
	if q.MinPrice > 0 {
		where = append(where, "i.price_fen >= ?")
		args = append(args, q.MinPrice)
	}
	if q.MaxPrice > 0 {
		where = append(where, "i.price_fen <= ?")
		args = append(args, q.MaxPrice)
	}
	if q.MinRating > 0 {
		where = append(where, "i.rating_avg >= ?")
		args = append(args, q.MinRating)
	}
	point := geo.Point{Lat: q.Lat, Lng: q.Lng}
	keep := func(r *browseRow) bool {
		if !q.HasPoint() {
			return true
		}
		a, ok := r.area()
		if !ok || !a.Contains(point) {
			return false
		}
		r.distance = int64(math.Round(geo.Distance(point, areaCenter(a))))
		return q.RadiusM == 0 || r.distance <= int64(q.RadiusM)
	}

	var rows []browseRow
	if q.Sort == SortDistance {
		rows, err = s.scanAll(ctx, where, args, keep)
		if err != nil {
			return out, err
		}
		slices.SortFunc(rows, func(a, b browseRow) int {
			if c := cmp.Compare(a.distance, b.distance); c != 0 {
				return c
			}
			return cmp.Compare(a.ID, b.ID)
		})
		if q.Cursor != "" {
			i := 0
			for i < len(rows) && (rows[i].distance < cur.Key[0] || (rows[i].distance == cur.Key[0] && rows[i].ID <= cur.Key[1])) {
				i++
			}
			rows = rows[i:]
		}
		if len(rows) > q.Limit+1 {
			rows = rows[:q.Limit+1]
		}
	} else {
		rows, err = s.scanSorted(ctx, where, args, keys, cur.Key, q.Limit+1, q.Sort, keep, q.HasPoint())
		if err != nil {
			return out, err
		}
	}
	if len(rows) > q.Limit {
		rows = rows[:q.Limit]
		out.NextCursor = app.EncodeCursor(browseCursor{Sort: q.Sort, Key: keyOf(q.Sort, &rows[len(rows)-1])})
	}
	for i := range rows {
		out.Items = append(out.Items, toBrowseItem(t, &rows[i], q.HasPoint()))
	}
	return out, nil
}

func toBrowseItem(t *Tree, r *browseRow, withDistance bool) BrowseItem {
	b := BrowseItem{ID: r.ID, Title: r.Title, Category: t.Brief(r.CategoryCode), PriceModel: r.PriceModel, PriceFen: r.PriceFen,
		PriceMaxFen: r.PriceMaxFen, DepositFen: r.DepositFen, Unit: r.Unit, DurationMin: r.DurationMin, RatingAvg: r.RatingAvg,
		RatingCount: r.RatingCount, SalesCount: r.SalesCount, Merchant: MerchantBrief{ID: r.MerchantID, Name: r.MerchantName}}
	var photos []string
	if json.Unmarshal([]byte(r.Photos), &photos) == nil && len(photos) > 0 {
		b.Photo = photos[0]
	}
	if withDistance {
		d := r.distance
		b.DistanceM = &d
	}
	return b
}

const browseColumns = "i.id, i.merchant_id, i.category_code, i.title, i.photos, i.price_model, i.price_fen, i.price_max_fen, i.deposit_fen, i.unit, " +
	"i.duration_min, i.area, i.rating_sum, i.rating_count, i.rating_avg, i.sales_count, m.name AS merchant_name, m.area AS merchant_area"

func browseFrom(ctx context.Context) string {
	return tenants.Table(ctx, "service_items") + " AS i JOIN " + tenants.Table(ctx, "merchants") + " AS m ON m.id = i.merchant_id"
}

// scanSorted reads rows in key order after the cursor, keeping those keep
// accepts, until want are kept or the rows run out. Without a location
// filter the first batch is the answer.
func (s *Service) scanSorted(ctx context.Context, where []string, args []any, keys []sortKey, from []int64, want int, sort string,
	keep func(*browseRow) bool, filtered bool) ([]browseRow, error) {
	batch := want
	if filtered {
		batch = max(want*2, 100) // the location filter drops rows: read ahead
	}
	var out []browseRow
	pos := from
	for {
		w, a := where, args
		if len(pos) > 0 {
			cond, cargs := after(keys, pos)
			w = append(slices.Clip(w), cond)
			a = append(slices.Clip(a), cargs...)
		}
		sql := "SELECT " + browseColumns + " FROM " + browseFrom(ctx) + " WHERE " + strings.Join(w, " AND ") +
			" ORDER BY " + orderBy(keys) + " LIMIT " + strconv.Itoa(batch)
		var rows []browseRow
		if err := tenants.DB(ctx).Raw(sql, a...).Scan(&rows).Error; err != nil {
			return nil, fmt.Errorf("browse services: %w", err)
		}
		for i := range rows {
			if keep(&rows[i]) {
				out = append(out, rows[i])
				if len(out) == want {
					return out, nil
				}
			}
		}
		if len(rows) < batch {
			return out, nil
		}
		pos = keyOf(sort, &rows[len(rows)-1])
	}
}

// scanAll reads every matching row (in id order, in batches) that keep
// accepts: the distance sort needs them all to order them.
func (s *Service) scanAll(ctx context.Context, where []string, args []any, keep func(*browseRow) bool) ([]browseRow, error) {
	const batch = 500
	var out []browseRow
	var last int64
	for {
		w := append(slices.Clip(where), "i.id > ?")
		a := append(slices.Clip(args), last)
		sql := "SELECT " + browseColumns + " FROM " + browseFrom(ctx) + " WHERE " + strings.Join(w, " AND ") +
			" ORDER BY i.id LIMIT " + strconv.Itoa(batch)
		var rows []browseRow
		if err := tenants.DB(ctx).Raw(sql, a...).Scan(&rows).Error; err != nil {
			return nil, fmt.Errorf("browse services by distance: %w", err)
		}
		for i := range rows {
			if keep(&rows[i]) {
				out = append(out, rows[i])
			}
		}
		if len(rows) < batch {
			return out, nil
		}
		last = rows[len(rows)-1].ID
	}
}

// ItemDetail is GET /v1/services/:id: the item, its shop and recent reviews.
type ItemDetail struct {
	ServiceItem
	Category   CategoryBrief   `json:"category"`
	Categories []CategoryBrief `json:"category_path" doc:"the category and its ancestors, top level first"`
	SkillNames []SkillBrief    `json:"skill_names"`
	Merchant   ShopBrief       `json:"merchant"`
	Reviews    []ReviewBrief   `json:"reviews"`
}

// ShopBrief is the merchant summary on an item's page.
type ShopBrief struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	LogoURL     string `json:"logo_url"`
	RatingAvg   int    `json:"rating_avg"`
	RatingCount int64  `json:"rating_count"`
}

// recentReviews is how many reviews an item's page shows.
const recentReviews = 5

// Detail returns a bookable item's page (404 for anything customers
// cannot book: off shelf, deleted, suspended shop, hidden category).
func (s *Service) Detail(ctx context.Context, id int64) (ItemDetail, error) {
	t, err := s.Tree(ctx)
	if err != nil {
		return ItemDetail{}, err
	}
	var it ServiceItem
	if err := tenants.DB(ctx).Where("id = ? AND status = ?", id, ItemOn).Take(&it).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return ItemDetail{}, ErrItemNotFound
		}
		return ItemDetail{}, err
	}
	if !t.Active(it.CategoryCode) {
		return ItemDetail{}, ErrItemNotFound
	}
	m, err := s.shop(ctx, it.MerchantID, false)
	if err != nil || m.Status != shopActive {
		if err == nil || app.KindOf(err) == app.KindNotFound {
			return ItemDetail{}, ErrItemNotFound
		}
		return ItemDetail{}, err
	}
	if it.Area == nil {
		var a geo.Area
		if json.Unmarshal([]byte(m.Area), &a) == nil {
			it.Area = &a
		}
	}
	d := ItemDetail{ServiceItem: it, Category: t.Brief(it.CategoryCode),
		Merchant: ShopBrief{ID: m.ID, Name: m.Name, LogoURL: m.LogoURL, RatingAvg: m.RatingAvg, RatingCount: m.RatingCount}}
	anc := t.ancestors(it.CategoryCode)
	for i := len(anc) - 1; i >= 0; i-- {
		d.Categories = append(d.Categories, CategoryBrief{Code: anc[i].Code, Name: anc[i].Name, NameEN: anc[i].NameEN})
	}
	if d.SkillNames, err = s.SkillBriefs(ctx, it.Skills); err != nil {
		return ItemDetail{}, err
	}
	if d.Reviews, err = s.reviewSource().RecentReviews(ctx, it.ID, recentReviews); err != nil {
		return ItemDetail{}, err
	}
	if d.Reviews == nil {
		d.Reviews = []ReviewBrief{}
	}
	return d, nil
}

// DetailJSON is Detail through the cache.
func (s *Service) DetailJSON(ctx context.Context, id int64) (Answer, error) {
	c, err := tenants.MustCity(ctx)
	if err != nil {
		return Answer{}, err
	}
	return s.cache.Get(c.Code, c.Code+"|d|"+strconv.FormatInt(id, 10), func() ([]byte, error) {
		d, err := s.Detail(ctx, id)
		if err != nil {
			return nil, err
		}
		return json.Marshal(d)
	})
}
