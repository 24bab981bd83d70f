package storefront_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"doorstep/app/storefront"
)

func TestPages_InvalidDocumentsAreRefusedFieldByField(t *testing.T) {
	admin := cityAdmin(t, "sz")
	a := openShop(t, "sz", admin, "装修甲")
	b := openShop(t, "sz", admin, "装修乙")
	c := a.Owner

	f := fieldErrors(t, c.Put(shopPage+"/draft", storefront.DraftInput{Document: storefront.Document{Components: []storefront.Component{
		notice("欢迎"), {Type: "carousel"}}}}))
	if !strings.Contains(f["components[1].type"], "unknown component") {
		t.Fatalf("unknown component: %v", f)
	}

	many := make([]storefront.Component, storefront.MaxComponents+1)
	for i := range many {
		many[i] = notice(fmt.Sprint("公告", i))
	}
	if f := fieldErrors(t, c.Put(shopPage+"/draft", storefront.DraftInput{Document: storefront.Document{Components: many}})); f["components"] == "" {
		t.Fatalf("too many components: %v", f)
	}

	f = fieldErrors(t, c.Put(shopPage+"/draft", storefront.DraftInput{Document: storefront.Document{Components: []storefront.Component{
		{Type: storefront.TypeServiceGrid, ItemIDs: []int64{a.Items[0].ID, b.Items[0].ID}},
		{Type: storefront.TypeStaffShowcase, StaffIDs: []int64{b.Staff.ID}},
		{Type: storefront.TypeCouponStrip, CouponIDs: []int64{b.Coupon.ID}},
		{Type: storefront.TypeServiceGrid, ItemIDs: []int64{a.Items[0].ID}, Count: 3},
		{Type: storefront.TypeBanner, Images: []storefront.Image{{ImageURL: "https://img.example.com/b.jpg", Link: "javascript:alert(1)"}}},
		{Type: storefront.TypeNotice, Text: "x", Level: "shout"},
		{Type: storefront.TypeServiceGrid, Category: "no_such_category", Count: 4},
	}}}))
	want := []string{"components[0].item_ids[1]", "components[1].staff_ids[0]", "components[2].coupon_ids[0]", "components[3].item_ids",
		"components[4].images[0].link", "components[5].level", "components[6].category"}
	for _, k := range want {
		if f[k] == "" {
			t.Errorf("no field error for %s; got %v", k, f)
		}
	}
	if len(f) != len(want) {
		t.Errorf("field errors %v, want exactly %v", f, want)
	}
	if !strings.Contains(f["components[0].item_ids[1]"], "not one of your services") {
		t.Errorf("another shop's service: %q", f["components[0].item_ids[1]"])
	}
	if d := draft(t, c, shopPage); d.Saved {
		t.Fatal("a refused draft was saved")
	}

	// Scripts in rich text are stripped, not refused.
	d := save(t, c, shopPage, 0, storefront.Document{Title: "甲的店", Components: []storefront.Component{{Type: storefront.TypeRichText,
		HTML: `<h3 onclick="steal()">关于我们</h3><script>alert(document.cookie)</script><p>专业<a href="javascript:alert(1)">保洁</a></p>`}}})
	html := d.Document.Components[0].HTML
	if strings.Contains(html, "script") || strings.Contains(html, "onclick") || strings.Contains(html, "javascript") || !strings.Contains(html, "<h3>关于我们</h3>") {
		t.Fatalf("sanitized rich text: %q", html)
	}
	if f := fieldErrors(t, c.Put(shopPage+"/draft", storefront.DraftInput{DraftVersion: d.DraftVersion, Document: storefront.Document{
		Components: []storefront.Component{{Type: storefront.TypeRichText, HTML: "<script>only()</script>"}}}})); f["components[0].html"] == "" {
		t.Fatalf("rich text with nothing left: %v", f)
	}
}

func TestPages_AStaleDraftVersionIsRefusedWith409(t *testing.T) {
	admin := cityAdmin(t, "sz")
	a := openShop(t, "sz", admin, "版本店")
	c := a.Owner
	d := save(t, c, shopPage, 0, storefront.Document{Components: []storefront.Component{notice("一")}})
	if d.DraftVersion != 1 || !d.Saved {
		t.Fatalf("first save: %+v", d)
	}
	c.Put(shopPage+"/draft", storefront.DraftInput{DraftVersion: 0, Document: storefront.Document{Components: []storefront.Component{notice("二")}}}).WantError(409, "stale_draft")
	d = save(t, c, shopPage, 1, storefront.Document{Components: []storefront.Component{notice("二")}})
	if d.DraftVersion != 2 {
		t.Fatalf("second save: %+v", d)
	}
	// Two editors who both loaded version 2: the second to save loses.
	c.Put(shopPage+"/draft", storefront.DraftInput{DraftVersion: 1, Document: storefront.Document{Components: []storefront.Component{notice("旧")}}}).WantError(409, "stale_draft")
	c.Post(shopPage+"/apply-template", storefront.TemplateInput{Template: "promo", DraftVersion: 1}).WantError(409, "stale_draft")
	stale := int64(1)
	c.Post(shopPage+"/publish", storefront.PublishInput{DraftVersion: &stale}).WantError(409, "stale_draft")
	if got := draft(t, c, shopPage); got.DraftVersion != 2 || got.Document.Components[0].Text != "二" {
		t.Fatalf("draft after refused saves: %+v", got)
	}
}

func TestPages_PublishKeepsAHistoryAndRollsBack(t *testing.T) {
	admin := cityAdmin(t, "sz")
	a := openShop(t, "sz", admin, "发布店")
	c := a.Owner
	anon := env.Client(t).In("sz")
	path := fmt.Sprintf("/v1/merchants/%d/page", a.ID)

	c.Post(shopPage+"/publish", storefront.PublishInput{}).WantError(409, "no_draft")
	if p := publicPage(t, anon, path); !p.Default || p.Version != 0 {
		t.Fatalf("before publishing: %+v", p)
	}
	d := save(t, c, shopPage, 0, storefront.Document{Components: []storefront.Component{notice("第一版")}})
	d = publish(t, c, shopPage)
	if d.PublishedVersion != 1 {
		t.Fatalf("published %+v", d)
	}
	if p := publicPage(t, anon, path); p.Default || p.Version != 1 || p.Components[0].Text != "第一版" {
		t.Fatalf("public after the first publish: %+v", p)
	}
	save(t, c, shopPage, d.DraftVersion, storefront.Document{Components: []storefront.Component{notice("第二版")}})
	if p := publicPage(t, anon, path); p.Components[0].Text != "第一版" {
		t.Fatal("a saved draft reached customers before publishing")
	}
	publish(t, c, shopPage)
	// Publishing drops the cached page at once.
	if p := publicPage(t, anon, path); p.Version != 2 || p.Components[0].Text != "第二版" {
		t.Fatalf("public after the second publish: %+v", p)
	}
	var hist []storefront.Version
	c.Get(shopPage + "/history").OK().JSON(&hist)
	if len(hist) != 2 || hist[0].Version != 2 || !hist[0].Current || hist[1].Version != 1 {
		t.Fatalf("history: %+v", hist)
	}
	var rb storefront.DraftView
	c.Post(shopPage+"/rollback", storefront.RollbackInput{Version: 1}).OK().JSON(&rb)
	if rb.PublishedVersion != 3 || rb.Document.Components[0].Text != "第一版" {
		t.Fatalf("after rollback: %+v", rb)
	}
	if p := publicPage(t, anon, path); p.Version != 3 || p.Components[0].Text != "第一版" {
		t.Fatalf("public after rollback: %+v", p)
	}
	c.Post(shopPage+"/rollback", storefront.RollbackInput{Version: 99}).WantError(404, "page_version_not_found")
	c.Get(shopPage + "/history").OK().JSON(&hist)
	if len(hist) != 3 || hist[0].Version != 3 {
		t.Fatalf("history after rollback: %+v", hist)
	}
	// The history keeps the last few versions only.
	for i := 0; i < 12; i++ {
		publish(t, c, shopPage)
	}
	c.Get(shopPage + "/history").OK().JSON(&hist)
	if len(hist) != 10 || hist[0].Version != 15 || hist[9].Version != 6 {
		t.Fatalf("history after 15 versions: %d entries, %+v", len(hist), hist[0])
	}
}

func TestPages_TemplatesReplaceTheDraftInOneStep(t *testing.T) {
	admin := cityAdmin(t, "sz")
	a := openShop(t, "sz", admin, "模板店")
	c := a.Owner
	var ts []storefront.Template
	c.Get(shopPage + "/templates").OK().JSON(&ts)
	titles := map[string]bool{}
	for _, x := range ts {
		titles[x.Title] = true
	}
	if len(ts) < 3 || !titles["简约"] || !titles["活动促销"] || !titles["服务专业"] {
		t.Fatalf("shop templates: %+v", ts)
	}
	for _, key := range []string{"home", "category:daily_cleaning"} {
		var cts []storefront.Template
		admin.Get("/v1/admin/pages/" + key + "/templates").OK().JSON(&cts)
		if len(cts) < 3 {
			t.Fatalf("%s templates: %d", key, len(cts))
		}
	}
	d := draft(t, c, shopPage)
	if d.Saved || d.Template != storefront.DefaultTemplate || len(d.Document.Components) == 0 {
		t.Fatalf("an unsaved page's draft is the default template: %+v", d)
	}
	var got storefront.DraftView
	c.Post(shopPage+"/apply-template", storefront.TemplateInput{Template: "promo"}).OK().JSON(&got)
	var promo storefront.Template
	for _, x := range ts {
		if x.Code == "promo" {
			promo = x
		}
	}
	if got.Template != "promo" || got.DraftVersion != 1 || len(got.Document.Components) != len(promo.Document.Components) {
		t.Fatalf("after applying promo: %+v", got)
	}
	for i, comp := range got.Document.Components {
		if comp.Type != promo.Document.Components[i].Type {
			t.Fatalf("component %d is %s, the template has %s", i, comp.Type, promo.Document.Components[i].Type)
		}
	}
	c.Post(shopPage+"/apply-template", storefront.TemplateInput{Template: "pro", DraftVersion: 1}).OK().JSON(&got)
	if got.Template != "pro" || got.DraftVersion != 2 {
		t.Fatalf("after switching to pro: %+v", got)
	}
	c.Post(shopPage+"/apply-template", storefront.TemplateInput{Template: "nope", DraftVersion: 2}).WantError(400, "unknown_template")
	// The preview fills the template with the shop's own data.
	var pv storefront.Page
	c.Get(shopPage + "/draft/preview").OK().JSON(&pv)
	grid, ok := block(pv, storefront.TypeServiceGrid)
	staffs, ok2 := block(pv, storefront.TypeStaffShowcase)
	if !ok || !ok2 || len(grid.Items) != 2 || len(staffs.Staff) != 1 || staffs.Staff[0].ID != a.Staff.ID {
		t.Fatalf("preview: %+v", pv)
	}
	for _, it := range grid.Items {
		if it.Merchant.ID != a.ID {
			t.Fatalf("the shop's preview shows service %d of merchant %d", it.ID, it.Merchant.ID)
		}
	}
}

func TestPages_AMerchantEditsOnlyItsOwnPage(t *testing.T) {
	admin := cityAdmin(t, "sz")
	a := openShop(t, "sz", admin, "自家店")
	b := openShop(t, "sz", admin, "别家店")
	save(t, a.Owner, shopPage, 0, storefront.Document{Title: "甲", Components: []storefront.Component{notice("甲的公告")}})
	publish(t, a.Owner, shopPage)
	if d := draft(t, b.Owner, shopPage); d.Saved {
		t.Fatalf("merchant A's save reached merchant B's page: %+v", d)
	}
	anon := env.Client(t).In("sz")
	if p := publicPage(t, anon, fmt.Sprintf("/v1/merchants/%d/page", b.ID)); !p.Default || p.Shop == nil || p.Shop.ID != b.ID {
		t.Fatalf("merchant B's public page: %+v", p)
	}
	// Other roles are turned away at the door.
	admin.Get(shopPage+"/draft").WantError(403, "forbidden")
	a.Owner.Get("/v1/admin/pages/home/draft").WantError(403, "forbidden")
	customer(t).In("sz").Put(shopPage+"/draft", storefront.DraftInput{}).WantError(403, "forbidden")
	// City page keys are checked.
	admin.Get("/v1/admin/pages/shop/draft").WantError(404, "page_not_found")
	admin.Get("/v1/admin/pages/category:no_such_thing/draft").WantError(404, "page_not_found")
}

func TestPages_PublicPageFillsLiveDataAndDropsWhatWentOff(t *testing.T) {
	admin := cityAdmin(t, "sz")
	a := openShop(t, "sz", admin, "实时店")
	save(t, a.Owner, shopPage, 0, storefront.Document{Title: "实时店首页", Components: []storefront.Component{
		{Type: storefront.TypeBanner, Images: []storefront.Image{{ImageURL: "https://img.example.com/b1.jpg", Link: fmt.Sprintf("/services/%d", a.Items[0].ID)}}},
		{Type: storefront.TypeServiceGrid, Title: "精选", ItemIDs: []int64{a.Items[1].ID, a.Items[0].ID}},
		{Type: storefront.TypeStaffShowcase, Title: "师傅", StaffIDs: []int64{a.Staff.ID}},
		{Type: storefront.TypeCouponStrip, Title: "领券", CouponIDs: []int64{a.Coupon.ID}},
		{Type: storefront.TypeNotice, Text: "周末照常营业", Level: "info"},
	}})
	publish(t, a.Owner, shopPage)
	// Off the shelf before customers look: the grid leaves it out.
	a.Owner.Post(fmt.Sprintf("/v1/merchant/items/%d/off-shelf", a.Items[1].ID), nil).OK()
	p := publicPage(t, env.Client(t).In("sz"), fmt.Sprintf("/v1/merchants/%d/page", a.ID))
	if p.Title != "实时店首页" || p.Shop == nil || p.Shop.Name != "实时店" || p.Version != 1 || len(p.Components) != 5 {
		t.Fatalf("public page: %+v", p)
	}
	grid, _ := block(p, storefront.TypeServiceGrid)
	if len(grid.Items) != 1 || grid.Items[0].ID != a.Items[0].ID || grid.Items[0].PriceFen != 8800 || grid.Items[0].Title == "" || grid.Items[0].Photo == "" {
		t.Fatalf("grid: %+v", grid.Items)
	}
	staffs, _ := block(p, storefront.TypeStaffShowcase)
	if len(staffs.Staff) != 1 || staffs.Staff[0].DisplayName != "实时店王师傅" {
		t.Fatalf("staff: %+v", staffs.Staff)
	}
	coupons, _ := block(p, storefront.TypeCouponStrip)
	if len(coupons.Coupons) != 1 || coupons.Coupons[0].Summary != "满50减10" {
		t.Fatalf("coupons: %+v", coupons.Coupons)
	}
	// A shop that is suspended has no page.
	admin.Post(fmt.Sprintf("/v1/admin/merchants/%d/suspend", a.ID), map[string]string{"reason": "整改"}).OK()
	deadline := time.Now().Add(10 * time.Second) // the catalog's change notice drops the cached page
	for {
		r := env.Client(t).In("sz").Get(fmt.Sprintf("/v1/merchants/%d/page", a.ID))
		if r.Status == 404 {
			r.WantError(404, "page_not_found")
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a suspended shop's page is still served: %d", r.Status)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestPages_CityHomeAndCategoryPages(t *testing.T) {
	admin := cityAdmin(t, "bj")
	a := openShop(t, "bj", admin, "京城店")
	b := openShop(t, "bj", admin, "京东店")
	anon := env.Client(t).In("bj")

	// Nothing published: the default template with live data.
	home := publicPage(t, anon, "/v1/pages/home")
	grid, ok := block(home, storefront.TypeServiceGrid)
	if !home.Default || !ok || len(grid.Items) != 4 || home.Title != "北京" {
		t.Fatalf("default home: %+v", home)
	}
	cat := publicPage(t, anon, "/v1/pages/category/housekeeping")
	if grid, ok := block(cat, storefront.TypeServiceGrid); !cat.Default || !ok || len(grid.Items) != 4 || cat.Category == nil || cat.Category.Code != "housekeeping" {
		t.Fatalf("default category page: %+v", cat)
	}
	anon.Get("/v1/pages/category/no_such_thing").WantError(404, "page_not_found")

	// The city may name any shop's services, staff and coupons.
	d := save(t, admin, "/v1/admin/pages/home", 0, storefront.Document{Title: "北京上门", Components: []storefront.Component{
		{Type: storefront.TypeServiceGrid, ItemIDs: []int64{a.Items[0].ID, b.Items[1].ID}},
		{Type: storefront.TypeStaffShowcase, StaffIDs: []int64{b.Staff.ID, a.Staff.ID}},
		{Type: storefront.TypeCouponStrip, CouponIDs: []int64{a.Coupon.ID, b.Coupon.ID}},
	}})
	if d.DraftVersion != 1 {
		t.Fatalf("city draft: %+v", d)
	}
	publish(t, admin, "/v1/admin/pages/home")
	home = publicPage(t, anon, "/v1/pages/home")
	grid, _ = block(home, storefront.TypeServiceGrid)
	staffs, _ := block(home, storefront.TypeStaffShowcase)
	if home.Default || home.Title != "北京上门" || len(grid.Items) != 2 || grid.Items[1].ID != b.Items[1].ID || len(staffs.Staff) != 2 || staffs.Staff[0].ID != b.Staff.ID {
		t.Fatalf("published home: %+v", home)
	}
	save(t, admin, "/v1/admin/pages/category:daily_cleaning", 0, storefront.Document{Components: []storefront.Component{
		{Type: storefront.TypeServiceGrid, Category: "daily_cleaning", Count: 3}}})
	publish(t, admin, "/v1/admin/pages/category%3Adaily_cleaning")
	cat = publicPage(t, anon, "/v1/pages/category/daily_cleaning")
	if grid, _ := block(cat, storefront.TypeServiceGrid); cat.Default || len(grid.Items) != 3 {
		t.Fatalf("published category page: %+v", cat)
	}
	var pages []storefront.PageSummary
	admin.Get("/v1/admin/pages").OK().JSON(&pages)
	if len(pages) != 2 || pages[0].Key != "category:daily_cleaning" || pages[1].Key != "home" || pages[1].PublishedVersion != 1 {
		t.Fatalf("city pages: %+v", pages)
	}
}
