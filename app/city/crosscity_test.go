package city_test

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"doorstep/app"
	"doorstep/app/booking"
	"doorstep/app/city"
	"doorstep/tenants"
)

// page fetches every page of a cross-city list and checks each is whole.
func allPages[T any](t *testing.T, tok, path string, limit int) ([]T, int) {
	t.Helper()
	var out []T
	cursor, pages := "", 0
	for {
		var pg city.CrossList[T]
		sep := "?"
		if strings.Contains(path, "?") {
			sep = "&"
		}
		env.Client(t).As(tok).Get(path + sep + fmt.Sprintf("limit=%d&cursor=%s", limit, url.QueryEscape(cursor))).OK().JSON(&pg)
		pages++
		if pg.Partial || len(pg.MissingCities) != 0 {
			t.Fatalf("%s: page %d partial: %+v", path, pages, pg.MissingCities)
		}
		if len(pg.Items) > limit {
			t.Fatalf("%s: %d items on a page of %d", path, len(pg.Items), limit)
		}
		out = append(out, pg.Items...)
		if pg.NextCursor == "" {
			return out, pages
		}
		cursor = pg.NextCursor
		if pages > 100 {
			t.Fatalf("%s: paging does not end", path)
		}
	}
}

// A window of time no other test writes in: lists filtered to it hold only
// this test's rows.
var window = time.Date(2031, 3, 1, 0, 0, 0, 0, time.UTC)

const windowQuery = "from=2031-03-01T00:00:00Z&to=2031-03-02T00:00:00Z"

// HQ's order list holds the orders of every city, newest first, and pages
// through them with a position per city: across pages every order shows
// exactly once, in order, phones and addresses masked. Filters narrow it
// (city, status, merchant, order number, the customer's phone).
func TestHQ_CrossCityOrdersHoldEveryCityNewestFirstAndPageStably(t *testing.T) {
	tok := hqToken(t)
	custID, custPhone := account(t)
	var want []booking.Order
	// Interleaved in time; two orders of sz and bj share one instant.
	for i := 0; i < 9; i++ {
		at := window.Add(time.Duration(i) * time.Minute)
		want = append(want, seedOrder(t, seed{City: "sz", At: at, CustomerID: custID, Phone: "13700000001"}))
		want = append(want, seedOrder(t, seed{City: "bj", At: at.Add(30 * time.Second), Status: booking.StCancelled, CustomerID: 424242, MerchantID: 7}))
	}
	same := window.Add(20 * time.Minute)
	want = append(want, seedOrder(t, seed{City: "sz", At: same, CustomerID: custID}), seedOrder(t, seed{City: "bj", At: same, CustomerID: 424242, MerchantID: 7}))

	for _, limit := range []int{1, 4, 7, 100} {
		got, pages := allPages[city.HQOrder](t, tok, "/v1/hq/orders?"+windowQuery, limit)
		if len(got) != len(want) {
			t.Fatalf("limit %d: %d orders over %d pages, want %d", limit, len(got), pages, len(want))
		}
		seen := map[string]bool{}
		for i, o := range got {
			key := o.City + fmt.Sprint(o.ID)
			if seen[key] {
				t.Fatalf("limit %d: %s shown twice", limit, key)
			}
			seen[key] = true
			if i > 0 {
				p := got[i-1]
				if o.CreatedAt.After(p.CreatedAt) || (o.CreatedAt.Equal(p.CreatedAt) && o.ID > p.ID) {
					t.Fatalf("limit %d: out of order at %d: %v after %v", limit, i, o.CreatedAt, p.CreatedAt)
				}
			}
			if !strings.Contains(o.Phone, "****") || !strings.Contains(o.Address, "****") {
				t.Fatalf("not masked: %+v", o)
			}
		}
		cities := map[string]int{}
		for _, o := range got {
			cities[o.City]++
		}
		if cities["sz"] != 10 || cities["bj"] != 10 {
			t.Fatalf("limit %d: per city %v", limit, cities)
		}
	}
	raw := env.Client(t).As(tok).Get("/v1/hq/orders?limit=100&" + windowQuery).OK().Body
	if strings.Contains(string(raw), "13700000001") || strings.Contains(string(raw), "科苑路15号") || strings.Contains(string(raw), "张三") {
		t.Fatal("HQ's order list shows personal data in clear")
	}

	count := func(q string) int {
		t.Helper()
		var pg city.CrossList[city.HQOrder]
		env.Client(t).As(tok).Get("/v1/hq/orders?limit=100&" + windowQuery + "&" + q).OK().JSON(&pg)
		return len(pg.Items)
	}
	if n := count("city=sz"); n != 10 {
		t.Errorf("city=sz: %d", n)
	}
	if n := count("city=sz,bj"); n != 20 {
		t.Errorf("city=sz,bj: %d", n)
	}
	if n := count("status=cancelled"); n != 9 {
		t.Errorf("status=cancelled: %d", n)
	}
	if n := count("city=bj&merchant_id=7"); n != 10 {
		t.Errorf("bj merchant 7: %d", n)
	}
	if n := count("order_no=" + want[1].OrderNo); n != 1 {
		t.Errorf("order_no: %d", n)
	}
	if n := count("order_no=BJ"); n != 10 {
		t.Errorf("order_no=BJ: %d", n)
	}
	if n := count("phone=" + custPhone); n != 10 {
		t.Errorf("phone: %d", n)
	}
	if n := count("phone=13000000000"); n != 0 {
		t.Errorf("unknown phone: %d", n)
	}
	// city dates are the city's own days: 2031-03-01 in Shanghai starts at 16:00 UTC the day before
	var pg city.CrossList[city.HQOrder]
	env.Client(t).As(tok).Get("/v1/hq/orders?limit=100&city=sz&from=2031-03-01&to=2031-03-01").OK().JSON(&pg)
	if len(pg.Items) != 10 {
		t.Errorf("city date window: %d", len(pg.Items))
	}
	c := env.Client(t).As(tok)
	c.Get("/v1/hq/orders?merchant_id=7").WantError(400, "invalid_input")
	c.Get("/v1/hq/orders?status=lost").WantError(400, "invalid_input")
	c.Get("/v1/hq/orders?city=nowhere").WantError(400, "invalid_input")
	c.Get("/v1/hq/orders?from=yesterday").WantError(400, "invalid_input")
	c.Get("/v1/hq/orders?cursor=%25%25").WantError(400, "invalid_input")
}

// Merchants, after-sales cases and customers of every city come the same
// way; customers are people with orders, with their count per city.
func TestHQ_CrossCityMerchantsAfterSalesAndCustomers(t *testing.T) {
	tok := hqToken(t)
	mw := window.Add(24 * time.Hour) // a day of its own
	for i := 0; i < 3; i++ {
		seedMerchant(t, "sz", fmt.Sprintf("深圳店%d", i), mw.Add(time.Duration(i)*time.Minute))
		seedMerchant(t, "bj", fmt.Sprintf("北京店%d", i), mw.Add(time.Duration(i)*time.Minute+time.Second))
	}
	ms, _ := allPages[city.HQMerchant](t, tok, "/v1/hq/merchants?from=2031-03-02T00:00:00Z&to=2031-03-03T00:00:00Z", 2)
	if len(ms) != 6 || ms[0].City != "bj" || ms[0].Name != "北京店2" || ms[5].Name != "深圳店0" {
		t.Fatalf("merchants: %+v", ms)
	}
	for _, m := range ms {
		if m.ContactPhone != "138****8000" {
			t.Fatalf("merchant contact not masked: %q", m.ContactPhone)
		}
	}
	var pm city.CrossList[city.HQMerchant]
	env.Client(t).As(tok).Get("/v1/hq/merchants?q=" + url.QueryEscape("北京店") + "&limit=100").OK().JSON(&pm)
	if len(pm.Items) != 3 {
		t.Fatalf("merchant name search: %d", len(pm.Items))
	}

	// After-sales cases on orders of both cities.
	aw := window.Add(48 * time.Hour)
	for i, code := range []string{"sz", "bj", "sz"} {
		o := seedOrder(t, seed{City: code, At: aw.Add(time.Duration(i) * time.Minute), Status: booking.StCompleted})
		cs := booking.AfterSale{OrderID: o.ID, CustomerID: o.CustomerID, MerchantID: o.MerchantID, Reason: "quality", Photos: []string{},
			Status: booking.CaseOpen, CreatedAt: o.CreatedAt, UpdatedAt: o.CreatedAt}
		must(t, tenants.DB(ctxFor(t, code)).Create(&cs).Error)
	}
	as, _ := allPages[city.HQAfterSale](t, tok, "/v1/hq/aftersales?from=2031-03-03T00:00:00Z&to=2031-03-04T00:00:00Z", 2)
	if len(as) != 3 || as[0].City != "sz" || as[1].City != "bj" || as[0].OrderNo == "" || !strings.HasPrefix(as[1].OrderNo, "BJ") {
		t.Fatalf("after-sales: %+v", as)
	}

	// Customers: a has orders in both cities, b in bj only, c none.
	a, aPhone := account(t)
	b, _ := account(t)
	c, _ := account(t)
	cw := window.Add(72 * time.Hour)
	seedOrder(t, seed{City: "sz", At: cw, CustomerID: a})
	seedOrder(t, seed{City: "sz", At: cw, CustomerID: a})
	seedOrder(t, seed{City: "bj", At: cw, CustomerID: a})
	seedOrder(t, seed{City: "bj", At: cw, CustomerID: b})
	var one city.CrossList[city.Customer]
	env.Client(t).As(tok).Get("/v1/hq/customers?phone=" + aPhone).OK().JSON(&one)
	if len(one.Items) != 1 || one.Items[0].AccountID != a || one.Items[0].Orders["sz"] != 2 || one.Items[0].Orders["bj"] != 1 ||
		one.Items[0].OrdersTotal != 3 || !strings.Contains(one.Items[0].Phone, "****") {
		t.Fatalf("customer by phone: %+v", one.Items)
	}
	for _, limit := range []int{1, 3, 100} {
		all, _ := allPages[city.Customer](t, tok, "/v1/hq/customers", limit)
		seen := map[int64]city.Customer{}
		for i, cu := range all {
			if _, dup := seen[cu.AccountID]; dup {
				t.Fatalf("limit %d: customer %d twice", limit, cu.AccountID)
			}
			seen[cu.AccountID] = cu
			if i > 0 && cu.AccountID >= all[i-1].AccountID {
				t.Fatalf("limit %d: not newest first at %d", limit, i)
			}
			if cu.OrdersTotal == 0 {
				t.Fatalf("limit %d: %d listed without orders", limit, cu.AccountID)
			}
		}
		if seen[a].Orders["sz"] != 2 || seen[a].Orders["bj"] != 1 || seen[b].Orders["bj"] != 1 || len(seen[b].Orders) != 1 {
			t.Fatalf("limit %d: a %+v b %+v", limit, seen[a], seen[b])
		}
		if _, ok := seen[c]; ok {
			t.Fatalf("limit %d: a person without orders is listed", limit)
		}
	}
	var ofSz city.CrossList[city.Customer]
	env.Client(t).As(tok).Get("/v1/hq/customers?city=sz&limit=100").OK().JSON(&ofSz)
	for _, cu := range ofSz.Items {
		if cu.AccountID == b || cu.Orders["bj"] != 0 {
			t.Fatalf("customers of sz: %+v", cu)
		}
	}
}

// A city whose placement is a closed port, one whose server accepts and
// never answers, and one whose schema is gone: the lists still answer, in
// about the per-city deadline, with every other city, flagged partial.
func TestHQ_SlowOrUnreachableCityMakesThePagePartialNotFailed(t *testing.T) {
	tok := hqToken(t)
	for i := 0; i < 3; i++ {
		seedOrder(t, seed{City: "sz", At: window.Add(96*time.Hour + time.Duration(i)*time.Minute)})
		seedOrder(t, seed{City: "bj", At: window.Add(96*time.Hour + time.Duration(i)*time.Minute)})
	}
	ctx := t.Context()
	reg := env.P.Reg
	now := time.Now().UTC()
	broken := map[string]string{"dd": "dead", "ss": "slow", "xx": "main"} // xx: no schema at all
	for code, placement := range broken {
		must(t, reg.HQ(ctx).Exec("INSERT INTO "+reg.HQTable("cities")+" (code, name, zone, status, placement, schema_name, created_at, updated_at)"+
			" VALUES (?, ?, 'Asia/Shanghai', 'active', ?, ?, ?, ?)", code, code, placement, reg.CitySchema(code), now, now).Error)
	}
	t.Cleanup(func() {
		bg := context.Background()
		_ = reg.HQ(bg).Exec("DELETE FROM " + reg.HQTable("cities") + " WHERE code IN ('dd', 'ss', 'xx')").Error
		_ = reg.Load(bg)
		// Whatever still waits on the silent server (the relay, a job) fails
		// now, and nothing can dial it again.
		slow.close()
	})
	must(t, reg.Load(ctx))

	const q = "from=2031-03-05T00:00:00Z&to=2031-03-06T00:00:00Z"
	start := time.Now()
	var pg city.CrossList[city.HQOrder]
	env.Client(t).As(tok).Get("/v1/hq/orders?limit=4&" + q).OK().JSON(&pg)
	took := time.Since(start)
	if took > 8*time.Second {
		t.Fatalf("a slow city held the page for %s", took)
	}
	if !pg.Partial || len(pg.Items) != 4 || pg.NextCursor == "" {
		t.Fatalf("page 1: partial=%v items=%d next=%q", pg.Partial, len(pg.Items), pg.NextCursor)
	}
	why := map[string]string{}
	for _, m := range pg.MissingCities {
		why[m.City] = m.Error
	}
	if why["dd"] != "unreachable" || why["ss"] != "timeout" || why["xx"] != "error" || len(why) != 3 {
		t.Fatalf("missing cities: %+v", pg.MissingCities)
	}
	t.Logf("partial page in %s: missing %+v", took.Round(time.Millisecond), pg.MissingCities)
	// The next page goes on with the cities that answer; the broken ones
	// are asked again from where they stood.
	var pg2 city.CrossList[city.HQOrder]
	env.Client(t).As(tok).Get("/v1/hq/orders?limit=4&" + q + "&cursor=" + url.QueryEscape(pg.NextCursor)).OK().JSON(&pg2)
	if !pg2.Partial || len(pg2.Items) != 2 || len(pg2.MissingCities) != 3 {
		t.Fatalf("page 2: %+v", pg2)
	}
	got := append(pg.Items, pg2.Items...)
	sort.Slice(got, func(i, j int) bool { return got[i].City+fmt.Sprint(got[i].ID) < got[j].City+fmt.Sprint(got[j].ID) })
	for i := 1; i < len(got); i++ {
		if got[i].City == got[i-1].City && got[i].ID == got[i-1].ID {
			t.Fatal("an order on two pages")
		}
	}
	for _, path := range []string{"/v1/hq/merchants", "/v1/hq/aftersales", "/v1/hq/customers"} {
		var p city.CrossList[map[string]any]
		env.Client(t).As(tok).Get(path + "?limit=5").OK().JSON(&p)
		if !p.Partial || len(p.MissingCities) != 3 {
			t.Fatalf("%s: %+v", path, p.MissingCities)
		}
	}
	// Only the cities asked for are asked: sz alone is whole.
	var only city.CrossList[city.HQOrder]
	env.Client(t).As(tok).Get("/v1/hq/orders?city=sz&limit=10&" + q).OK().JSON(&only)
	if only.Partial || len(only.Items) != 3 {
		t.Fatalf("sz alone: %+v", only)
	}
}

// A city admin of sz reaches nothing of bj: HQ's routes are HQ's, city
// routes refuse a token of another city, and an order id of bj is not
// found in sz.
func TestHQ_CityAdminOfSzSeesNothingOfBj(t *testing.T) {
	sz := env.Client(t).As(adminToken(t, "sz"))
	for _, r := range []struct{ method, path string }{
		{"GET", "/v1/hq/orders"}, {"GET", "/v1/hq/merchants"}, {"GET", "/v1/hq/aftersales"}, {"GET", "/v1/hq/customers"},
		{"GET", "/v1/hq/policies"}, {"PUT", "/v1/hq/policies"}, {"POST", "/v1/hq/cities/bj/move"}, {"GET", "/v1/hq/cities/bj/moves"},
		{"POST", "/v1/hq/privacy/reseal"}, {"GET", "/v1/hq/privacy/reseal"},
	} {
		sz.Do(r.method, r.path, map[string]any{"placement": "target"}).WantError(403, "forbidden")
		sz.In("bj").Do(r.method, r.path, map[string]any{"placement": "target"}).WantError(403, "forbidden")
	}
	// an id far beyond any of sz's
	bjOrder := seedOrder(t, seed{ID: 90_000_000 + phones.Add(1), City: "bj", At: time.Now().UTC(), Phone: "13711112222"})
	inBj := sz.In("bj")
	inBj.Get("/v1/admin/policies").WantError(403, "wrong_city")
	inBj.Put("/v1/admin/policies", map[string]any{"free_cancel_hours": 9}).WantError(403, "wrong_city")
	inBj.Post(fmt.Sprintf("/v1/admin/orders/%d/reveal-contact", bjOrder.ID), map[string]string{"reason": "客户投诉处理"}).WantError(403, "wrong_city")
	inBj.Get("/v1/admin/orders").WantError(403, "wrong_city")
	sz.In("sz").Post(fmt.Sprintf("/v1/admin/orders/%d/reveal-contact", bjOrder.ID), map[string]string{"reason": "客户投诉处理"}).WantError(404, "order_not_found")
	var own city.CityPolicies
	sz.In("sz").Get("/v1/admin/policies").OK().JSON(&own)
	if own.City != "sz" {
		t.Fatalf("sz admin sees policies of %q", own.City)
	}
	var list app.List[booking.OrderView]
	sz.In("sz").Get("/v1/admin/orders?limit=100").OK().JSON(&list)
	for _, o := range list.Items {
		if o.OrderNo == bjOrder.OrderNo {
			t.Fatal("bj's order in sz's list")
		}
	}
}

// Lists for merchants and cities show the customer's phone and address
// masked; nothing in them is in clear.
func TestHQ_ExistingOrderListsShowPersonalDataMasked(t *testing.T) {
	sh := newShop(t, "sz")
	o := seedOrder(t, seed{City: "sz", At: time.Now().UTC(), MerchantID: sh.Merchant.ID, Phone: "13766667777", Address: "广东省深圳市南山区粤海街道高新南一道99号"})
	_, owner := session(t, "city:sz", app.RoleMerchantOwner, sh.Merchant.ID, 0)
	for _, c := range []struct{ tok, path string }{
		{adminToken(t, "sz"), "/v1/admin/orders?limit=100"},
		{adminToken(t, "sz"), fmt.Sprintf("/v1/admin/orders/%d", o.ID)},
		{owner, "/v1/merchant/orders?limit=100"},
		{owner, fmt.Sprintf("/v1/merchant/orders/%d", o.ID)},
		{hqToken(t), "/v1/hq/orders?city=sz&limit=100"},
	} {
		body := string(env.Client(t).In("sz").As(c.tok).Get(c.path).OK().Body)
		if strings.Contains(body, "13766667777") || strings.Contains(body, "高新南一道99号") {
			t.Errorf("%s shows personal data in clear", c.path)
		}
		if !strings.Contains(body, "137****7777") {
			t.Errorf("%s does not show the masked phone", c.path)
		}
	}
}
