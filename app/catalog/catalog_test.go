package catalog_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"

	"doorstep/app"
	"doorstep/app/apptest"
	"doorstep/app/catalog"
	"doorstep/app/geo"
	"doorstep/app/merchant/merchanttest"
	"doorstep/tenants"
)

var env *apptest.Env

func TestMain(m *testing.M) {
	e, err := apptest.Start(apptest.Cities("sz", "bj"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	env = e
	code := m.Run()
	e.Close()
	os.Exit(code)
}

var (
	phoneMu sync.Mutex
	phoneN  = 2000
)

func phone() string {
	phoneMu.Lock()
	defer phoneMu.Unlock()
	phoneN++
	return apptest.Phone(phoneN)
}

// admins caches one city admin client per city for the package.
var (
	adminMu sync.Mutex
	admins  = map[string]*apptest.Client{}
)

func admin(t testing.TB, city string) *apptest.Client {
	adminMu.Lock()
	defer adminMu.Unlock()
	if c, ok := admins[city]; ok {
		return c
	}
	c := merchanttest.CityAdmin(t, env, city, phone())
	admins[city] = c
	return c
}

func shop(t testing.TB, city, name string, area geo.Area, categories ...string) merchanttest.Shop {
	t.Helper()
	return merchanttest.Open(t, env, city, admin(t, city), phone(), name, area, categories...)
}

func cityCtx(t *testing.T, code string) context.Context {
	t.Helper()
	c, err := env.P.Reg.Lookup(code)
	if err != nil {
		t.Fatal(err)
	}
	return app.WithActor(tenants.WithCity(context.Background(), c), app.System)
}

func browse(t testing.TB, city string, q url.Values) app.List[catalog.BrowseItem] {
	t.Helper()
	var out app.List[catalog.BrowseItem]
	env.Client(t).In(city).Get("/v1/services?" + q.Encode()).OK().JSON(&out)
	return out
}

func ids(items []catalog.BrowseItem) []int64 {
	out := make([]int64, len(items))
	for i, it := range items {
		out[i] = it.ID
	}
	return out
}

func TestCategories_PublicTreeAndHQEdits(t *testing.T) {
	var tree []catalog.CategoryNode
	env.Client(t).Get("/v1/categories").OK().JSON(&tree)
	var hk *catalog.CategoryNode
	for i := range tree {
		if tree[i].Code == "housekeeping" {
			hk = &tree[i]
		}
	}
	if hk == nil || hk.Name != "家政保洁" || hk.NameEN != "Housekeeping" || len(hk.Children) != 3 || hk.Children[1].Code != "deep_cleaning" {
		t.Fatalf("housekeeping node: %+v", hk)
	}

	hqs := env.HQAdmin(t, phone())
	hq := env.Client(t).As(hqs.AccessToken)
	hq.Post("/v1/hq/categories", catalog.CategoryInput{Code: "Bad Code", Name: "x"}).WantError(400, "invalid_input")
	hq.Post("/v1/hq/categories", catalog.CategoryInput{ParentCode: "nope", Code: "window_cleaning", Name: "擦玻璃"}).WantError(400, "unknown_category")
	var c catalog.Category
	hq.Post("/v1/hq/categories", catalog.CategoryInput{ParentCode: "housekeeping", Code: "window_cleaning", Name: "擦玻璃", NameEN: "Window cleaning", Sort: 4}).Want(201).JSON(&c)
	hq.Post("/v1/hq/categories", catalog.CategoryInput{Code: "window_cleaning", Name: "擦玻璃"}).WantError(409, "category_exists")
	// A customer or a city operator may not edit the tree.
	cust := merchanttest.SignIn(t, env, phone())
	env.Client(t).As(cust.AccessToken).Post("/v1/hq/categories", catalog.CategoryInput{Code: "x_y", Name: "x"}).WantError(403, "forbidden")
	admin(t, "sz").Post("/v1/hq/categories", catalog.CategoryInput{Code: "x_y", Name: "x"}).Want(403)

	env.Client(t).Get("/v1/categories").OK().JSON(&tree)
	if !hasChild(tree, "housekeeping", "window_cleaning") {
		t.Fatal("new category missing from the public tree")
	}
	// Cycles are refused.
	hq.Patch("/v1/hq/categories/housekeeping", map[string]string{"parent_code": "window_cleaning"}).WantError(400, "category_cycle")

	// Unused: removed for good.
	var rm catalog.CategoryRemoval
	hq.Delete("/v1/hq/categories/window_cleaning", nil).OK().JSON(&rm)
	if !rm.Deleted || rm.Hidden {
		t.Fatalf("removal: %+v", rm)
	}
	hq.Delete("/v1/hq/categories/housekeeping", nil).WantError(409, "category_has_children")

	// Used by a service: hidden instead, and gone from browse and the tree.
	hq.Post("/v1/hq/categories", catalog.CategoryInput{ParentCode: "housekeeping", Code: "sofa_cleaning", Name: "沙发清洗"}).Want(201)
	s := shop(t, "sz", "沙发店", merchanttest.Area)
	in := merchanttest.Item("布艺沙发深度清洗", 19900)
	in.CategoryCode = "sofa_cleaning"
	it := merchanttest.AddItem(t, s.Owner, in, true)
	if got := browse(t, "sz", url.Values{"category": {"sofa_cleaning"}}); len(got.Items) != 1 || got.Items[0].ID != it.ID {
		t.Fatalf("browse sofa_cleaning: %+v", got.Items)
	}
	hq.Delete("/v1/hq/categories/sofa_cleaning", nil).OK().JSON(&rm)
	if rm.Deleted || !rm.Hidden || rm.InUse != 1 {
		t.Fatalf("removal of a used category: %+v", rm)
	}
	env.Client(t).Get("/v1/categories").OK().JSON(&tree)
	if hasChild(tree, "housekeeping", "sofa_cleaning") {
		t.Fatal("hidden category still in the public tree")
	}
	if got := browse(t, "sz", url.Values{"q": {"布艺沙发"}}); len(got.Items) != 0 {
		t.Fatalf("items of a hidden category browse: %+v", got.Items)
	}
	env.Client(t).In("sz").Get(fmt.Sprintf("/v1/services/%d", it.ID)).WantError(404, "service_item_not_found")
	s.Owner.Post("/v1/merchant/items", in).WantError(400, "category_inactive")
	var all []catalog.Category
	hq.Get("/v1/hq/categories").OK().JSON(&all)
	found := false
	for _, c := range all {
		found = found || (c.Code == "sofa_cleaning" && c.Status == catalog.CategoryHidden)
	}
	if !found {
		t.Fatal("HQ list misses the hidden category")
	}
	// Shown again, it is back.
	hq.Patch("/v1/hq/categories/sofa_cleaning", map[string]string{"status": "active"}).OK()
	if got := browse(t, "sz", url.Values{"q": {"布艺沙发"}}); len(got.Items) != 1 {
		t.Fatalf("items of a shown category: %+v", got.Items)
	}
}

func hasChild(tree []catalog.CategoryNode, parent, child string) bool {
	for _, n := range tree {
		if n.Code == parent {
			for _, c := range n.Children {
				if c.Code == child {
					return true
				}
			}
		}
	}
	return false
}

func TestSkills_EveryCityStartsWithTheDefaultSet(t *testing.T) {
	for _, city := range []string{"sz", "bj"} {
		var skills []catalog.Skill
		env.Client(t).In(city).Get("/v1/skills").OK().JSON(&skills)
		if len(skills) != len(catalog.DefaultSkills) {
			t.Fatalf("%s has %d skills, want %d", city, len(skills), len(catalog.DefaultSkills))
		}
		bits := map[int]bool{}
		for _, s := range skills {
			if s.Name == "" || s.NameEN == "" || s.CategoryCode == "" || bits[s.Bit] || s.Bit < 0 || s.Bit > 63 {
				t.Fatalf("skill %+v", s)
			}
			bits[s.Bit] = true
		}
	}
	ctx := cityCtx(t, "sz")
	mask, err := env.P.Catalog.SkillMask(ctx, []string{"cleaning", "deep_cleaning"})
	if err != nil || mask != 0b11 {
		t.Fatalf("mask %b, %v", mask, err)
	}
	if _, err := env.P.Catalog.SkillMask(ctx, []string{"juggling"}); app.KindOf(err) != app.KindInvalid {
		t.Fatalf("unknown skill: %v", err)
	}
	// Seeding again adds nothing.
	if err := env.P.Catalog.SeedSkills(ctx); err != nil {
		t.Fatal(err)
	}
	if skills, _ := env.P.Catalog.Skills(ctx); len(skills) != len(catalog.DefaultSkills) {
		t.Fatalf("%d skills after seeding twice", len(skills))
	}
}

func TestItems_MerchantInputIsValidated(t *testing.T) {
	s := shop(t, "sz", "校验家政", merchanttest.Area, "housekeeping")
	ok := merchanttest.Item("日常保洁两小时", 12000)
	cases := []struct {
		name string
		edit func(*catalog.ItemInput)
		code string
	}{
		{"fixed price must be positive", func(i *catalog.ItemInput) { i.PriceFen = 0 }, "invalid_input"},
		{"fixed price takes no deposit", func(i *catalog.ItemInput) { i.DepositFen = 100 }, "invalid_input"},
		{"deposit needs a deposit", func(i *catalog.ItemInput) { i.PriceModel = catalog.PriceDeposit; i.PriceMaxFen = 20000 }, "invalid_input"},
		{"deposit range upside down", func(i *catalog.ItemInput) {
			i.PriceModel, i.DepositFen, i.PriceMaxFen = catalog.PriceDeposit, 1000, 5000
		}, "invalid_input"},
		{"deposit above the lowest price", func(i *catalog.ItemInput) {
			i.PriceModel, i.DepositFen, i.PriceMaxFen = catalog.PriceDeposit, 13000, 20000
		}, "invalid_input"},
		{"unknown price model", func(i *catalog.ItemInput) { i.PriceModel = "auction" }, "invalid_input"},
		{"duration not a multiple of 30", func(i *catalog.ItemInput) { i.DurationMin = 45 }, "invalid_input"},
		{"duration too long", func(i *catalog.ItemInput) { i.DurationMin = 630 }, "invalid_input"},
		{"ten photos", func(i *catalog.ItemInput) {
			i.Photos = nil
			for n := 0; n < 10; n++ {
				i.Photos = append(i.Photos, fmt.Sprintf("https://img.example.com/%d.jpg", n))
			}
		}, "invalid_input"},
		{"photo not http", func(i *catalog.ItemInput) { i.Photos = []string{"javascript:alert(1)"} }, "invalid_input"},
		{"unknown skill", func(i *catalog.ItemInput) { i.Skills = []string{"juggling"} }, "unknown_skill"},
		{"no skill", func(i *catalog.ItemInput) { i.Skills = nil }, "invalid_input"},
		{"unknown category", func(i *catalog.ItemInput) { i.CategoryCode = "space_travel" }, "unknown_category"},
		{"category the shop is not approved for", func(i *catalog.ItemInput) { i.CategoryCode = "ac_repair" }, "category_not_allowed"},
		{"bad area", func(i *catalog.ItemInput) { i.Area = &geo.Area{Center: geo.Point{Lat: 95, Lng: 10}, RadiusM: 1000} }, "invalid_input"},
		{"short title", func(i *catalog.ItemInput) { i.Title = "洗" }, "invalid_input"},
	}
	for _, tc := range cases {
		in := ok
		in.Photos = append([]string(nil), ok.Photos...)
		tc.edit(&in)
		r := s.Owner.Post("/v1/merchant/items", in)
		if r.Status != 400 || r.Code() != tc.code {
			t.Errorf("%s: got %d %s, want 400 %s", tc.name, r.Status, r.Body, tc.code)
		}
	}
	// Valid deposit item, with its own area; nine photos.
	in := ok
	in.Title, in.PriceModel, in.PriceFen, in.PriceMaxFen, in.DepositFen = "全屋深度保洁（按面积报价）", catalog.PriceDeposit, 30000, 80000, 5000
	in.CategoryCode, in.Skills, in.DurationMin = "deep_cleaning", []string{"deep_cleaning", "cleaning"}, 240
	in.Area = &geo.Area{Polygon: []geo.Point{{Lat: 22.50, Lng: 113.90}, {Lat: 22.50, Lng: 114.00}, {Lat: 22.60, Lng: 114.00}, {Lat: 22.60, Lng: 113.90}}}
	in.Photos = nil
	for n := 0; n < 9; n++ {
		in.Photos = append(in.Photos, fmt.Sprintf("https://img.example.com/%d.jpg", n))
	}
	var it catalog.ServiceItem
	s.Owner.Post("/v1/merchant/items", in).Want(201).JSON(&it)
	if it.Status != catalog.ItemOff || it.PriceMaxFen != 80000 || it.Area == nil || len(it.Photos) != 9 {
		t.Fatalf("item: %+v", it)
	}
	ctx := cityCtx(t, "sz")
	got, err := env.P.Catalog.Item(ctx, it.ID)
	if err != nil || got.SkillMask != 0b11 || !strings.Contains(got.SearchText, "深度保洁") || !strings.Contains(got.SearchText, "家政保洁") {
		t.Fatalf("stored item: %+v (%v)", got, err)
	}
	// Edit: switch to a fixed price, drop the own area.
	var edited catalog.ServiceItem
	s.Owner.Patch(fmt.Sprintf("/v1/merchant/items/%d", it.ID), map[string]any{"price_model": "fixed", "price_fen": 45000, "clear_area": true}).OK().JSON(&edited)
	if edited.PriceModel != catalog.PriceFixed || edited.PriceFen != 45000 || edited.PriceMaxFen != 45000 || edited.DepositFen != 0 || edited.Area != nil {
		t.Fatalf("edited: %+v", edited)
	}
	s.Owner.Patch(fmt.Sprintf("/v1/merchant/items/%d", it.ID), map[string]any{"duration_min": 20}).WantError(400, "invalid_input")
	// List, shelve, delete.
	var mine app.List[catalog.ServiceItem]
	s.Owner.Get("/v1/merchant/items?status=off").OK().JSON(&mine)
	if len(mine.Items) != 1 || mine.Items[0].ID != it.ID {
		t.Fatalf("off-shelf list: %+v", mine.Items)
	}
	s.Owner.Post(fmt.Sprintf("/v1/merchant/items/%d/on-shelf", it.ID), nil).OK()
	s.Owner.Delete(fmt.Sprintf("/v1/merchant/items/%d", it.ID), nil).OK()
	s.Owner.Get(fmt.Sprintf("/v1/merchant/items/%d", it.ID)).WantError(404, "service_item_not_found")
	if got, err := env.P.Catalog.Item(ctx, it.ID); err != nil || got.Status != catalog.ItemDeleted {
		t.Fatalf("deleted item still readable by id for orders: %+v %v", got, err)
	}
	if _, err := env.P.Catalog.Item(ctx, 1<<40); app.KindOf(err) != app.KindNotFound {
		t.Fatalf("missing item: %v", err)
	}
}

func TestItems_RatingsAndSalesCount(t *testing.T) {
	s := shop(t, "sz", "评分家政", merchanttest.Area)
	it := merchanttest.AddItem(t, s.Owner, merchanttest.Item("评分测试保洁", 8800), true)
	ctx := cityCtx(t, "sz")
	err := tenants.WithTx(ctx, func(ctx context.Context) error {
		for _, stars := range []int{5, 4, 4} {
			if err := env.P.Catalog.AddRating(ctx, it.ID, stars); err != nil {
				return err
			}
		}
		return env.P.Catalog.AddSale(ctx, it.ID)
	})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := env.P.Catalog.Item(ctx, it.ID)
	if got.RatingCount != 3 || got.RatingSum != 13 || got.RatingAvg != 433 || got.SalesCount != 1 {
		t.Fatalf("item after ratings: count %d sum %d avg %d sales %d", got.RatingCount, got.RatingSum, got.RatingAvg, got.SalesCount)
	}
	if err := env.P.Catalog.RemoveRating(ctx, it.ID, 5); err != nil {
		t.Fatal(err)
	}
	got, _ = env.P.Catalog.Item(ctx, it.ID)
	if got.RatingCount != 2 || got.RatingAvg != 400 {
		t.Fatalf("after removal: count %d avg %d", got.RatingCount, got.RatingAvg)
	}
	if err := env.P.Catalog.AddRating(ctx, it.ID, 6); app.KindOf(err) != app.KindInvalid {
		t.Fatalf("6 stars: %v", err)
	}
	if err := env.P.Catalog.AddSale(ctx, 1<<40); app.KindOf(err) != app.KindNotFound {
		t.Fatalf("sale of a missing item: %v", err)
	}
}

func TestBrowse_ChineseKeywordsCategoriesPricesAndRatings(t *testing.T) {
	s := shop(t, "sz", "关键词家政", merchanttest.Area, "housekeeping", "repair")
	mk := func(title, cat string, price int64, skills ...string) catalog.ServiceItem {
		in := merchanttest.Item(title, price)
		in.CategoryCode, in.Skills = cat, skills
		in.Description = "Kw9 测试"
		return merchanttest.AddItem(t, s.Owner, in, true)
	}
	deep := mk("深度保洁 厨房油污", "deep_cleaning", 39900, "deep_cleaning")
	daily := mk("日常保洁 两小时", "daily_cleaning", 9900, "cleaning")
	ac := mk("空调清洗 挂机", "ac_repair", 12900, "ac_repair")
	off := merchanttest.AddItem(t, s.Owner, func() catalog.ItemInput {
		in := merchanttest.Item("下架的保洁", 100)
		in.Description = "Kw9"
		return in
	}(), false)
	ctx := cityCtx(t, "sz")
	if err := tenants.WithTx(ctx, func(ctx context.Context) error {
		if err := env.P.Catalog.AddRating(ctx, deep.ID, 5); err != nil {
			return err
		}
		return env.P.Catalog.AddRating(ctx, daily.ID, 3)
	}); err != nil {
		t.Fatal(err)
	}
	env.P.Catalog.Invalidate(ctx) // ratings wait out the cache TTL otherwise

	got := browse(t, "sz", url.Values{"q": {"保洁 kw9"}})
	if g := ids(got.Items); !sameSet(g, deep.ID, daily.ID) {
		t.Fatalf("q=保洁: %v, want %d and %d", g, deep.ID, daily.ID)
	}
	if got := browse(t, "sz", url.Values{"q": {"深度保洁"}}); !sameSet(ids(got.Items), deep.ID) {
		t.Fatalf("q=深度保洁: %v", ids(got.Items))
	}
	// The category's name matches too, and English in any case.
	if got := browse(t, "sz", url.Values{"q": {"空调维修 KW9"}}); !sameSet(ids(got.Items), ac.ID) {
		t.Fatalf("q=空调维修: %v", ids(got.Items))
	}
	// Wildcards are literal.
	if got := browse(t, "sz", url.Values{"q": {"%"}}); len(got.Items) != 0 {
		t.Fatalf("q=%%: %v", ids(got.Items))
	}
	if got := browse(t, "sz", url.Values{"q": {"kw9"}, "category": {"housekeeping"}}); !sameSet(ids(got.Items), deep.ID, daily.ID) {
		t.Fatalf("category=housekeeping: %v", ids(got.Items))
	}
	if got := browse(t, "sz", url.Values{"q": {"kw9"}, "category": {"deep_cleaning"}}); !sameSet(ids(got.Items), deep.ID) {
		t.Fatalf("category=deep_cleaning: %v", ids(got.Items))
	}
	if got := browse(t, "sz", url.Values{"q": {"kw9"}, "category": {"no_such"}}); len(got.Items) != 0 {
		t.Fatalf("unknown category: %v", ids(got.Items))
	}
	if got := browse(t, "sz", url.Values{"q": {"kw9"}, "min_price": {"10000"}, "max_price": {"20000"}}); !sameSet(ids(got.Items), ac.ID) {
		t.Fatalf("price 100-200 yuan: %v", ids(got.Items))
	}
	if got := browse(t, "sz", url.Values{"q": {"kw9"}, "min_rating": {"450"}}); !sameSet(ids(got.Items), deep.ID) {
		t.Fatalf("min_rating=450: %v", ids(got.Items))
	}
	got = browse(t, "sz", url.Values{"q": {"kw9"}, "sort": {"price_asc"}})
	if g := ids(got.Items); len(g) != 3 || g[0] != daily.ID || g[1] != ac.ID || g[2] != deep.ID {
		t.Fatalf("price_asc: %v", g)
	}
	got = browse(t, "sz", url.Values{"q": {"kw9"}, "sort": {"rating"}})
	if g := ids(got.Items); len(g) != 3 || g[0] != deep.ID || g[1] != daily.ID || g[2] != ac.ID {
		t.Fatalf("rating: %v", g)
	}
	for _, it := range got.Items {
		if it.ID == off.ID {
			t.Fatal("an off-shelf item browses")
		}
		if it.Merchant.ID != s.ID || it.Merchant.Name != "关键词家政" || it.Photo == "" || it.Category.Name == "" || it.Unit == "" || it.DurationMin == 0 {
			t.Fatalf("result: %+v", it)
		}
	}
	// The result has every field a client needs and never the merchant's contact.
	raw := string(env.Client(t).In("sz").Get("/v1/services?q=kw9").OK().Body)
	for _, f := range []string{`"price_model"`, `"deposit_fen"`, `"rating_avg"`, `"rating_count"`, `"sales_count"`, `"merchant":{"id"`} {
		if !strings.Contains(raw, f) {
			t.Fatalf("result lacks %s: %s", f, raw)
		}
	}
	for _, f := range []string{"contact", "search_text", "skill_mask", "distance_m"} {
		if strings.Contains(raw, f) {
			t.Fatalf("result shows %s: %s", f, raw)
		}
	}
	// Bad queries are 400s.
	for _, q := range []string{"sort=cheapest", "min_price=-1", "min_price=x", "max_price=1&min_price=5", "sort=distance", "lat=95&lng=1", "radius_m=500", "cursor=%21%21"} {
		r := env.Client(t).In("sz").Get("/v1/services?" + q)
		if r.Status != 400 {
			t.Errorf("%s: %d %s", q, r.Status, r.Body)
		}
	}
	// Another city's items are not there.
	if got := browse(t, "bj", url.Values{"q": {"kw9"}}); len(got.Items) != 0 {
		t.Fatalf("bj shows sz's items: %v", ids(got.Items))
	}
}

func sameSet(got []int64, want ...int64) bool {
	if len(got) != len(want) {
		return false
	}
	g := append([]int64(nil), got...)
	w := append([]int64(nil), want...)
	sort.Slice(g, func(i, j int) bool { return g[i] < g[j] })
	sort.Slice(w, func(i, j int) bool { return w[i] < w[j] })
	for i := range g {
		if g[i] != w[i] {
			return false
		}
	}
	return true
}

func TestBrowse_LocationKeepsCoveredItemsAndSortsByDistance(t *testing.T) {
	// Far from the other tests' shops: around Huizhou.
	home := geo.Point{Lat: 23.1100, Lng: 114.4100}
	near := shop(t, "sz", "近处家政", geo.Area{Center: geo.Point{Lat: 23.1150, Lng: 114.4100}, RadiusM: 5000}) // ~0.56 km away
	far := shop(t, "sz", "远处家政", geo.Area{Center: geo.Point{Lat: 23.1500, Lng: 114.4100}, RadiusM: 10000}) // ~4.4 km away
	away := shop(t, "sz", "够不着家政", geo.Area{Center: geo.Point{Lat: 23.3000, Lng: 114.4100}, RadiusM: 3000})
	nearItem := merchanttest.AddItem(t, near.Owner, merchanttest.Item("近处保洁 Geo7", 10000), true)
	farItem := merchanttest.AddItem(t, far.Owner, merchanttest.Item("远处保洁 Geo7", 10000), true)
	awayItem := merchanttest.AddItem(t, away.Owner, merchanttest.Item("够不着保洁 Geo7", 10000), true)
	// An item with its own polygon area covering home, on the far shop (centre ~2.2 km away).
	poly := merchanttest.Item("自定义区域保洁 Geo7", 10000)
	poly.Area = &geo.Area{Polygon: []geo.Point{{Lat: 23.09, Lng: 114.39}, {Lat: 23.09, Lng: 114.43}, {Lat: 23.17, Lng: 114.43}, {Lat: 23.17, Lng: 114.39}}}
	polyItem := merchanttest.AddItem(t, far.Owner, poly, true)
	// An item whose own small area leaves home out, although its shop's covers it.
	narrow := merchanttest.Item("小区域保洁 Geo7", 10000)
	narrow.Area = &geo.Area{Center: geo.Point{Lat: 23.1500, Lng: 114.4100}, RadiusM: 500}
	narrowItem := merchanttest.AddItem(t, far.Owner, narrow, true)

	q := url.Values{"q": {"geo7"}, "lat": {"23.11"}, "lng": {"114.41"}, "sort": {"distance"}}
	got := browse(t, "sz", q)
	if g := ids(got.Items); len(g) != 3 || g[0] != nearItem.ID || g[1] != polyItem.ID || g[2] != farItem.ID {
		t.Fatalf("by distance: %v, want %d %d %d (away %d, narrow %d)", g, nearItem.ID, polyItem.ID, farItem.ID, awayItem.ID, narrowItem.ID)
	}
	for i, it := range got.Items {
		if it.DistanceM == nil {
			t.Fatalf("item %d without distance", it.ID)
		}
		want := geo.Distance(home, map[int64]geo.Point{nearItem.ID: {Lat: 23.1150, Lng: 114.4100}, farItem.ID: {Lat: 23.1500, Lng: 114.4100},
			polyItem.ID: {Lat: 23.13, Lng: 114.41}}[it.ID])
		if d := float64(*it.DistanceM) - want; d > 2 || d < -2 {
			t.Fatalf("item %d (#%d) distance %d m, want %.0f", it.ID, i, *it.DistanceM, want)
		}
	}
	// A radius keeps the near ones only.
	q.Set("radius_m", "3000")
	if got := browse(t, "sz", q); !sameSet(ids(got.Items), nearItem.ID, polyItem.ID) {
		t.Fatalf("within 3 km: %v", ids(got.Items))
	}
	// Any sort keeps only covering items and shows distances.
	q.Del("radius_m")
	q.Set("sort", "price_asc")
	got = browse(t, "sz", q)
	if !sameSet(ids(got.Items), nearItem.ID, polyItem.ID, farItem.ID) || got.Items[0].DistanceM == nil {
		t.Fatalf("price_asc with a location: %+v", got.Items)
	}
	// Paging by distance, one at a time.
	q.Set("sort", "distance")
	q.Set("limit", "1")
	var seen []int64
	for page := 0; page < 5; page++ {
		got := browse(t, "sz", q)
		seen = append(seen, ids(got.Items)...)
		if got.NextCursor == "" {
			break
		}
		q.Set("cursor", got.NextCursor)
	}
	if len(seen) != 3 || seen[0] != nearItem.ID || seen[2] != farItem.ID {
		t.Fatalf("paged by distance: %v", seen)
	}
}

func TestBrowse_CursorPagesEveryItemOnceWhileItemsAreAdded(t *testing.T) {
	s := shop(t, "sz", "翻页家政", merchanttest.Area)
	const start = 23
	want := map[int64]bool{}
	ctx := cityCtx(t, "sz")
	for i := 0; i < start; i++ {
		it := merchanttest.AddItem(t, s.Owner, merchanttest.Item(fmt.Sprintf("翻页保洁 Pg5 第%d号", i), int64(5000+(i%5)*100)), true)
		want[it.ID] = true
		// Ties on every sort key, and some ratings and sales to sort by.
		if err := tenants.WithTx(ctx, func(ctx context.Context) error {
			for n := 0; n < i%3; n++ {
				if err := env.P.Catalog.AddSale(ctx, it.ID); err != nil {
					return err
				}
			}
			if i%4 == 0 {
				return env.P.Catalog.AddRating(ctx, it.ID, 3+i%3)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	env.P.Catalog.Invalidate(ctx)
	for _, sortBy := range []string{"default", "sales", "rating", "price_asc", "price_desc"} {
		t.Run(sortBy, func(t *testing.T) {
			q := url.Values{"q": {"pg5"}, "sort": {sortBy}, "limit": {"4"}}
			seen := map[int64]int{}
			added := 0
			for page := 0; page < 50; page++ {
				got := browse(t, "sz", q)
				for _, it := range got.Items {
					seen[it.ID]++
				}
				if got.NextCursor == "" {
					break
				}
				q.Set("cursor", got.NextCursor)
				// Someone adds a service between two page requests.
				merchanttest.AddItem(t, s.Owner, merchanttest.Item(fmt.Sprintf("翻页保洁 Pg5 新%s%d", sortBy, page), 5200), true)
				added++
			}
			for id := range want {
				if seen[id] != 1 {
					t.Fatalf("item %d seen %d times (sort %s)", id, seen[id], sortBy)
				}
			}
			for id, n := range seen {
				if n != 1 {
					t.Fatalf("item %d seen %d times", id, n)
				}
			}
			if added == 0 {
				t.Fatal("only one page")
			}
		})
		// The items added during this sort's paging belong to the set now.
		q := url.Values{"q": {"pg5"}, "limit": {"50"}}
		for {
			got := browse(t, "sz", q)
			for _, it := range got.Items {
				want[it.ID] = true
			}
			if got.NextCursor == "" {
				break
			}
			q.Set("cursor", got.NextCursor)
		}
	}
	// A cursor of one sort does not fit another.
	got := browse(t, "sz", url.Values{"q": {"pg5"}, "sort": {"sales"}, "limit": {"2"}})
	env.Client(t).In("sz").Get("/v1/services?"+url.Values{"q": {"pg5"}, "sort": {"price_asc"}, "cursor": {got.NextCursor}}.Encode()).WantError(400, "invalid_input")
}

func TestBrowse_CacheShowsWritesOfThisCopyAtOnce(t *testing.T) {
	s := shop(t, "sz", "缓存家政", merchanttest.Area)
	it := merchanttest.AddItem(t, s.Owner, merchanttest.Item("缓存保洁 Cc3", 6600), false)
	q := url.Values{"q": {"cc3"}}
	if got := browse(t, "sz", q); len(got.Items) != 0 {
		t.Fatal("off-shelf item browses")
	}
	s.Owner.Post(fmt.Sprintf("/v1/merchant/items/%d/on-shelf", it.ID), nil).OK()
	if got := browse(t, "sz", q); len(got.Items) != 1 {
		t.Fatal("shelved item not browsable at once")
	}
	var d catalog.ItemDetail
	env.Client(t).In("sz").Get(fmt.Sprintf("/v1/services/%d", it.ID)).OK().JSON(&d)
	s.Owner.Patch(fmt.Sprintf("/v1/merchant/items/%d", it.ID), map[string]any{"title": "缓存保洁 Cc3 改名"}).OK()
	if got := browse(t, "sz", q); len(got.Items) != 1 || got.Items[0].Title != "缓存保洁 Cc3 改名" {
		t.Fatalf("edited title: %+v", got.Items)
	}
	env.Client(t).In("sz").Get(fmt.Sprintf("/v1/services/%d", it.ID)).OK().JSON(&d)
	if d.Title != "缓存保洁 Cc3 改名" {
		t.Fatalf("detail title %q", d.Title)
	}
	s.Owner.Post(fmt.Sprintf("/v1/merchant/items/%d/off-shelf", it.ID), nil).OK()
	if got := browse(t, "sz", q); len(got.Items) != 0 {
		t.Fatal("off-shelf item still browses")
	}
	env.Client(t).In("sz").Get(fmt.Sprintf("/v1/services/%d", it.ID)).WantError(404, "service_item_not_found")
	// Clients that take gzip get the same answer gzipped (once, when cached).
	for i := 0; i < 5; i++ {
		merchanttest.AddItem(t, s.Owner, merchanttest.Item(fmt.Sprintf("压缩保洁 %d", i), 6600), true)
	}
	plain := env.Client(t).In("sz").With("Accept-Encoding", "identity").Get("/v1/services?limit=50").OK()
	zipped := env.Client(t).In("sz").With("Accept-Encoding", "gzip, deflate").Get("/v1/services?limit=50").OK()
	if zipped.Header.Get("Content-Encoding") != "gzip" || plain.Header.Get("Content-Encoding") != "" || !strings.Contains(zipped.Header.Get("Vary"), "Accept-Encoding") {
		t.Fatalf("encodings: %q and %q", zipped.Header.Get("Content-Encoding"), plain.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(zipped.Body))
	if err != nil {
		t.Fatal(err)
	}
	unzipped, _ := io.ReadAll(zr)
	if !bytes.Equal(unzipped, plain.Body) || len(zipped.Body) >= len(plain.Body) {
		t.Fatalf("gzipped answer differs (%d bytes zipped, %d plain)", len(zipped.Body), len(plain.Body))
	}
	// Another copy's notice drops this copy's answers too.
	s.Owner.Post(fmt.Sprintf("/v1/merchant/items/%d/on-shelf", it.ID), nil).OK()
	browse(t, "sz", q)
	ctx := cityCtx(t, "sz")
	if err := tenants.DB(ctx).Model(&catalog.ServiceItem{}).Where("id = ?", it.ID).Update("status", catalog.ItemOff).Error; err != nil {
		t.Fatal(err)
	}
	env.P.Catalog.Invalidated("sz")
	if got := browse(t, "sz", q); len(got.Items) != 0 {
		t.Fatal("a notice from another copy did not drop the cache")
	}
}

func TestDetail_ItemShopAndReviews(t *testing.T) {
	s := shop(t, "sz", "详情家政", merchanttest.Area)
	in := merchanttest.Item("详情页保洁", 15800)
	in.Skills = []string{"cleaning", "deep_cleaning"}
	it := merchanttest.AddItem(t, s.Owner, in, true)
	r := env.Client(t).In("sz").Get(fmt.Sprintf("/v1/services/%d", it.ID)).OK()
	var d catalog.ItemDetail
	r.JSON(&d)
	if d.ID != it.ID || d.Merchant.ID != s.ID || d.Merchant.Name != "详情家政" || d.Category.Name != "日常保洁" || len(d.Categories) != 2 ||
		d.Categories[0].Code != "housekeeping" || len(d.SkillNames) != 2 || d.SkillNames[0].Name != "日常保洁" || d.Reviews == nil || d.Area == nil {
		t.Fatalf("detail: %+v", d)
	}
	for _, leak := range []string{"contact", "search_text", "skill_mask", s.OwnerPhone} {
		if strings.Contains(string(r.Body), leak) {
			t.Fatalf("detail shows %s: %s", leak, r.Body)
		}
	}
	env.Client(t).In("sz").Get("/v1/services/999999").WantError(404, "service_item_not_found")
	env.Client(t).In("bj").Get(fmt.Sprintf("/v1/services/%d", it.ID)).Want(404)
}

func TestOpenAPI_DescribesTheSupplyEndpoints(t *testing.T) {
	raw := string(env.Client(t).Get("/openapi.json").OK().Body)
	for _, p := range []string{`"/v1/services"`, `"/v1/services/{id}"`, `"/v1/categories"`, `"/v1/merchant/items/{id}/on-shelf"`, `"/v1/merchant-applications"`,
		`"/v1/admin/merchant-applications/{id}/approve"`, `"/v1/merchant/staff"`, `"/v1/staff/me/location"`, `"/v1/staff/{id}/profile"`, `"/v1/admin/certifications/{id}/verify"`} {
		if !strings.Contains(raw, p) {
			t.Errorf("openapi misses %s", p)
		}
	}
	env.Client(t).Get("/docs").OK()
}
