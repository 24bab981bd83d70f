package merchant_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"doorstep/app"
	"doorstep/app/apptest"
	"doorstep/app/catalog"
	"doorstep/app/geo"
	"doorstep/app/merchant"
	"doorstep/app/merchant/merchanttest"
	"doorstep/app/notify"
	"doorstep/app/staff"
	"doorstep/rbac"
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

// phones hands out distinct phone numbers across the tests of this package.
var (
	phoneMu sync.Mutex
	phoneN  = 1000
)

func phone() string {
	phoneMu.Lock()
	defer phoneMu.Unlock()
	phoneN++
	return apptest.Phone(phoneN)
}

func cityCtx(t *testing.T, code string, a app.Actor) context.Context {
	t.Helper()
	c, err := env.P.Reg.Lookup(code)
	if err != nil {
		t.Fatal(err)
	}
	return app.WithActor(tenants.WithCity(context.Background(), c), a)
}

func grantsOf(t *testing.T, phoneNo string) []rbac.Grant {
	t.Helper()
	id, _, err := env.P.Accounts.FindOrInviteByPhone(context.Background(), phoneNo, "")
	if err != nil {
		t.Fatal(err)
	}
	gs, err := env.P.RBAC.GrantsOf(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return gs
}

func accountOf(t *testing.T, phoneNo string) int64 {
	t.Helper()
	id, _, err := env.P.Accounts.FindOrInviteByPhone(context.Background(), phoneNo, "")
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// waitNotifications waits until the applicant's inbox in city holds at
// least n notices of event, and returns how many it holds.
func waitNotifications(t *testing.T, city string, accountID int64, event string, n int) int64 {
	t.Helper()
	ctx := cityCtx(t, city, app.System)
	deadline := time.Now().Add(15 * time.Second)
	var got int64
	for time.Now().Before(deadline) {
		if err := tenants.DB(ctx).Model(&notify.Notification{}).Where("account_id = ? AND event = ?", accountID, event).Count(&got).Error; err != nil {
			t.Fatal(err)
		}
		if got >= int64(n) {
			return got
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("account %d has %d %s notices in %s, want at least %d", accountID, got, event, city, n)
	return got
}

func TestApplication_MoreInfoResubmitApproveMakesOneOwnedMerchant(t *testing.T) {
	admin := merchanttest.CityAdmin(t, env, "sz", phone())
	applicant := phone()
	sess := merchanttest.SignIn(t, env, applicant)
	cust := env.Client(t).In("sz").As(sess.AccessToken)

	in := merchanttest.Application(applicant, "洁净家政", merchanttest.Area, "housekeeping")
	var ap merchant.Application
	cust.Post("/v1/merchant-applications", in).Want(201).JSON(&ap)
	if ap.Status != merchant.AppPending || ap.ContactPhoneMasked != applicant[:3]+"****"+applicant[7:] {
		t.Fatalf("application: %+v", ap)
	}
	if strings.Contains(string(cust.Get("/v1/merchant-applications/mine").OK().Body), applicant) {
		t.Fatal("the application shows the contact phone unmasked")
	}
	// One open application per person per city.
	cust.Post("/v1/merchant-applications", in).WantError(409, "application_open")
	// Bad input is a 400 naming the field.
	bad := in
	bad.Categories = []string{"no_such_category"}
	cust.Post("/v1/merchant-applications", bad).WantError(400, "unknown_category")
	bad = in
	bad.Area = geo.Area{Center: geo.Point{Lat: 22.5, Lng: 113.9}, RadiusM: 5}
	cust.Post("/v1/merchant-applications", bad).WantError(400, "invalid_input")

	// The city asks for more information.
	var queue app.List[merchant.Application]
	admin.Get("/v1/admin/merchant-applications").OK().JSON(&queue)
	if !containsApp(queue.Items, ap.ID) {
		t.Fatalf("queue misses application %d: %+v", ap.ID, queue.Items)
	}
	admin.Post(fmt.Sprintf("/v1/admin/merchant-applications/%d/more-info", ap.ID), map[string]string{}).WantError(400, "invalid_input")
	admin.Post(fmt.Sprintf("/v1/admin/merchant-applications/%d/more-info", ap.ID), map[string]string{"note": "营业执照照片不清晰"}).OK().JSON(&ap)
	if ap.Status != merchant.AppMoreInfo {
		t.Fatalf("status %s, want more_info", ap.Status)
	}
	// It cannot be approved while it waits for the applicant.
	admin.Post(fmt.Sprintf("/v1/admin/merchant-applications/%d/approve", ap.ID), nil).WantError(409, "application_wrong_status")

	var mine []merchant.Application
	cust.Get("/v1/merchant-applications/mine").OK().JSON(&mine)
	if len(mine) != 1 || mine[0].Status != merchant.AppMoreInfo || mine[0].ReviewNote != "营业执照照片不清晰" {
		t.Fatalf("mine: %+v", mine)
	}
	// Someone else cannot touch it.
	other := merchanttest.SignIn(t, env, phone())
	env.Client(t).In("sz").As(other.AccessToken).Put(fmt.Sprintf("/v1/merchant-applications/%d", ap.ID), in).WantError(404, "merchant_application_not_found")

	in.LicenceURL = "https://img.example.com/licence/clear.jpg"
	cust.Put(fmt.Sprintf("/v1/merchant-applications/%d", ap.ID), in).OK().JSON(&ap)
	if ap.Status != merchant.AppPending || ap.LicenceURL != in.LicenceURL {
		t.Fatalf("resubmitted: %+v", ap)
	}
	cust.Put(fmt.Sprintf("/v1/merchant-applications/%d", ap.ID), in).WantError(409, "application_wrong_status")

	var ok merchant.Approval
	admin.Post(fmt.Sprintf("/v1/admin/merchant-applications/%d/approve", ap.ID), map[string]string{"note": "欢迎入驻"}).OK().JSON(&ok)
	if ok.Merchant.ID == 0 || ok.Application.Status != merchant.AppApproved || ok.Merchant.OwnerID != sess.AccountID || ok.Repeated {
		t.Fatalf("approval: %+v", ok)
	}
	// Approving again makes nothing new.
	var again merchant.Approval
	admin.Post(fmt.Sprintf("/v1/admin/merchant-applications/%d/approve", ap.ID), nil).OK().JSON(&again)
	if again.Merchant.ID != ok.Merchant.ID || !again.Repeated {
		t.Fatalf("second approval: %+v, first merchant %d", again, ok.Merchant.ID)
	}
	ctx := cityCtx(t, "sz", app.System)
	var n int64
	if err := tenants.DB(ctx).Model(&merchant.Merchant{}).Where("application_id = ?", ap.ID).Count(&n).Error; err != nil || n != 1 {
		t.Fatalf("%d merchants for application %d (err %v), want 1", n, ap.ID, err)
	}
	// The applicant now owns the shop: the grant is there and works.
	var grant *rbac.Grant
	for _, g := range grantsOf(t, applicant) {
		if g.Role == app.RoleMerchantOwner && g.Domain == "city:sz" && g.MerchantID == ok.Merchant.ID {
			grant = &g
		}
	}
	if grant == nil {
		t.Fatalf("grants of the applicant: %+v", grantsOf(t, applicant))
	}
	owner := merchanttest.Act(t, env, applicant, "city:sz", app.RoleMerchantOwner)
	var shop merchant.Merchant
	env.Client(t).In("sz").As(owner.AccessToken).Get("/v1/merchant/shop").OK().JSON(&shop)
	if shop.ID != ok.Merchant.ID || shop.Name != "洁净家政" || shop.Status != merchant.StatusActive {
		t.Fatalf("shop: %+v", shop)
	}
	// The HQ directory knows the shop.
	var dir struct {
		Name   string
		Status string
	}
	if err := env.P.Reg.HQ(context.Background()).Table(env.P.Reg.HQTable("merchant_directory")).Where("city = ? AND merchant_id = ?", "sz", ok.Merchant.ID).
		Take(&dir).Error; err != nil || dir.Name != "洁净家政" || dir.Status != "active" {
		t.Fatalf("directory: %+v, %v", dir, err)
	}
	// Submitted, sent back, resubmitted, approved: four notices.
	waitNotifications(t, "sz", sess.AccountID, "merchant_application", 4)
	// And audited.
	var audits int64
	env.P.Reg.HQ(context.Background()).Table(env.P.Reg.HQTable("audit_log")).Where("action = ? AND target_id = ?", "merchant_application.approve", fmt.Sprint(ap.ID)).Count(&audits)
	if audits < 1 {
		t.Fatal("approval not audited")
	}
	// Now that it is closed, the person may apply again (a second shop).
	in2 := merchanttest.Application(applicant, "洁净家政二店", merchanttest.Area)
	in2.LicenceNo = merchanttest.Licence(applicant) + "X"
	cust.Post("/v1/merchant-applications", in2).Want(201)
}

func containsApp(items []merchant.Application, id int64) bool {
	for _, a := range items {
		if a.ID == id {
			return true
		}
	}
	return false
}

func TestApplication_ConcurrentApprovalsMakeOneMerchant(t *testing.T) {
	applicant := phone()
	sess := merchanttest.SignIn(t, env, applicant)
	var ap merchant.Application
	env.Client(t).In("sz").As(sess.AccessToken).Post("/v1/merchant-applications", merchanttest.Application(applicant, "并发家政", merchanttest.Area)).Want(201).JSON(&ap)

	adminID := accountOf(t, phone())
	ctx := cityCtx(t, "sz", app.Actor{AccountID: adminID, Role: app.RoleCityAdmin, Scope: "city:sz"})
	const n = 8
	ids := make([]int64, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := env.P.Merchants.Approve(ctx, ap.ID, "")
			ids[i], errs[i] = out.Merchant.ID, err
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("approval %d: %v", i, errs[i])
		}
		if ids[i] != ids[0] || ids[i] == 0 {
			t.Fatalf("approvals gave merchants %v", ids)
		}
	}
	var count int64
	tenants.DB(ctx).Model(&merchant.Merchant{}).Where("application_id = ?", ap.ID).Count(&count)
	if count != 1 {
		t.Fatalf("%d merchants, want 1", count)
	}
	owners := 0
	for _, g := range grantsOf(t, applicant) {
		if g.Role == app.RoleMerchantOwner && g.MerchantID == ids[0] {
			owners++
		}
	}
	if owners != 1 {
		t.Fatalf("%d owner grants, want 1: %+v (merchant %d)", owners, grantsOf(t, applicant), ids[0])
	}
}

func TestApplication_ConcurrentSubmissionsLeaveOneOpen(t *testing.T) {
	applicant := phone()
	id := accountOf(t, applicant)
	ctx := cityCtx(t, "sz", app.Actor{AccountID: id, Role: app.RoleCustomer})
	const n = 6
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := merchanttest.Application(applicant, fmt.Sprintf("抢先家政%d", i), merchanttest.Area)
			_, errs[i] = env.P.Merchants.Apply(ctx, in)
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case app.KindOf(err) == app.KindConflict:
		default:
			t.Fatalf("apply: %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d applications accepted, want 1 (errors %v)", ok, errs)
	}
}

func TestApplication_RejectNeedsReasonAndLetsThePersonApplyAgain(t *testing.T) {
	admin := merchanttest.CityAdmin(t, env, "sz", phone())
	applicant := phone()
	sess := merchanttest.SignIn(t, env, applicant)
	cust := env.Client(t).In("sz").As(sess.AccessToken)
	in := merchanttest.Application(applicant, "维修小哥", merchanttest.Area, "repair")
	var ap merchant.Application
	cust.Post("/v1/merchant-applications", in).Want(201).JSON(&ap)
	admin.Post(fmt.Sprintf("/v1/admin/merchant-applications/%d/reject", ap.ID), map[string]string{"reason": ""}).WantError(400, "invalid_input")
	admin.Post(fmt.Sprintf("/v1/admin/merchant-applications/%d/reject", ap.ID), map[string]string{"reason": "经营范围不符"}).OK().JSON(&ap)
	if ap.Status != merchant.AppRejected || ap.ReviewNote != "经营范围不符" {
		t.Fatalf("rejected: %+v", ap)
	}
	admin.Post(fmt.Sprintf("/v1/admin/merchant-applications/%d/approve", ap.ID), nil).WantError(409, "application_wrong_status")
	var rejected app.List[merchant.Application]
	admin.Get("/v1/admin/merchant-applications?status=rejected").OK().JSON(&rejected)
	if !containsApp(rejected.Items, ap.ID) {
		t.Fatal("rejected queue misses it")
	}
	cust.Post("/v1/merchant-applications", in).Want(201)
	waitNotifications(t, "sz", sess.AccountID, "merchant_application", 3)
}

func TestApplication_LostGrantAndDirectoryAreRepairedByApprovingAgainOrTheTask(t *testing.T) {
	admin := merchanttest.CityAdmin(t, env, "sz", phone())
	applicant := phone()
	shop := merchanttest.Open(t, env, "sz", admin, applicant, "断电恢复家政", merchanttest.Area)
	ownerID := accountOf(t, applicant)
	// A crash right after the city transaction: no grant, no directory row.
	crash := func() {
		if err := env.P.RBAC.RemoveGrant(context.Background(), ownerID, "city:sz", app.RoleMerchantOwner, shop.ID); err != nil {
			t.Fatal(err)
		}
		if err := env.P.Reg.HQ(context.Background()).Exec("DELETE FROM "+env.P.Reg.HQTable("merchant_directory")+" WHERE city = 'sz' AND merchant_id = ?", shop.ID).Error; err != nil {
			t.Fatal(err)
		}
	}
	repaired := func() bool {
		hasGrant := false
		for _, g := range grantsOf(t, applicant) {
			hasGrant = hasGrant || (g.Role == app.RoleMerchantOwner && g.MerchantID == shop.ID)
		}
		var n int64
		env.P.Reg.HQ(context.Background()).Table(env.P.Reg.HQTable("merchant_directory")).Where("city = 'sz' AND merchant_id = ?", shop.ID).Count(&n)
		return hasGrant && n == 1
	}
	crash()
	if repaired() {
		t.Fatal("the crash left things in place")
	}
	var ap []merchant.Application
	ctx := cityCtx(t, "sz", app.System)
	tenants.DB(ctx).Where("merchant_id = ?", shop.ID).Find(&ap)
	var again merchant.Approval
	admin.Post(fmt.Sprintf("/v1/admin/merchant-applications/%d/approve", ap[0].ID), nil).OK().JSON(&again)
	if again.Merchant.ID != shop.ID || !again.Repeated || !repaired() {
		t.Fatalf("approving again did not repair: %+v", again)
	}
	// The queued task repairs the same way, with nobody approving.
	crash()
	if err := env.P.Merchants.HandleProvision(ctx, []byte(fmt.Sprintf(`{"merchant_id":%d}`, shop.ID))); err != nil {
		t.Fatal(err)
	}
	if !repaired() {
		t.Fatal("the provision task did not repair")
	}
}

func TestShop_OwnerEditsAndCustomersNeverSeeContact(t *testing.T) {
	admin := merchanttest.CityAdmin(t, env, "sz", phone())
	ownerPhone := phone()
	shop := merchanttest.Open(t, env, "sz", admin, ownerPhone, "好邻居家政", merchanttest.Area, "housekeeping", "laundry")
	newPhone := phone()
	var m merchant.Merchant
	shop.Owner.Patch("/v1/merchant/shop", map[string]any{
		"name": "好邻居家政服务", "logo_url": "https://img.example.com/logo.png", "intro": "十年老店", "contact_phone": newPhone,
		"opening_hours": map[string][]string{"1": {"09:00", "18:00"}, "6": {"10:00", "16:30"}},
	}).OK().JSON(&m)
	if m.Name != "好邻居家政服务" || m.OpeningHours[1] != [2]int{540, 1080} || m.OpeningHours[6] != [2]int{600, 990} || len(m.OpeningHours) != 2 {
		t.Fatalf("shop: %+v", m)
	}
	if m.ContactPhoneMasked != newPhone[:3]+"****"+newPhone[7:] {
		t.Fatalf("contact %q", m.ContactPhoneMasked)
	}
	shop.Owner.Patch("/v1/merchant/shop", map[string]any{"opening_hours": map[string][]string{"1": {"18:00", "09:00"}}}).WantError(400, "invalid_input")
	shop.Owner.Patch("/v1/merchant/shop", map[string]any{"logo_url": "ftp://x"}).WantError(400, "invalid_input")
	shop.Owner.Patch("/v1/merchant/shop", map[string]any{"categories": []string{"nope"}}).WantError(400, "unknown_category")

	r := env.Client(t).In("sz").Get(fmt.Sprintf("/v1/merchants/%d", shop.ID)).OK()
	var pub merchant.PublicShop
	r.JSON(&pub)
	if pub.Name != "好邻居家政服务" || len(pub.Categories) != 2 || pub.Categories[0].Name != "家政保洁" {
		t.Fatalf("public shop: %+v", pub)
	}
	for _, leak := range []string{ownerPhone, newPhone, newPhone[7:], "contact", "licence", "owner", "commission"} {
		if strings.Contains(string(r.Body), leak) {
			t.Fatalf("public shop shows %q: %s", leak, r.Body)
		}
	}
	// The HQ directory follows the new name.
	var name string
	env.P.Reg.HQ(context.Background()).Table(env.P.Reg.HQTable("merchant_directory")).Where("city = 'sz' AND merchant_id = ?", shop.ID).Select("name").Scan(&name)
	if name != "好邻居家政服务" {
		t.Fatalf("directory name %q", name)
	}
}

func TestMerchant_CityOpsSuspendResumeAndCommission(t *testing.T) {
	admin := merchanttest.CityAdmin(t, env, "sz", phone())
	shop := merchanttest.Open(t, env, "sz", admin, phone(), "暂停测试家政", merchanttest.Area)
	it := merchanttest.AddItem(t, shop.Owner, merchanttest.Item("暂停测试保洁", 9900), true)

	var list app.List[merchant.Merchant]
	admin.Get("/v1/admin/merchants?q=" + "暂停测试").OK().JSON(&list)
	if len(list.Items) != 1 || list.Items[0].ID != shop.ID {
		t.Fatalf("search by name: %+v", list.Items)
	}
	admin.Post(fmt.Sprintf("/v1/admin/merchants/%d/suspend", shop.ID), map[string]string{}).WantError(400, "invalid_input")
	var m merchant.Merchant
	admin.Post(fmt.Sprintf("/v1/admin/merchants/%d/suspend", shop.ID), map[string]string{"reason": "投诉较多，整改中"}).OK().JSON(&m)
	if m.Status != merchant.StatusSuspended {
		t.Fatalf("status %s", m.Status)
	}
	anon := env.Client(t).In("sz")
	anon.Get(fmt.Sprintf("/v1/services/%d", it.ID)).WantError(404, "service_item_not_found")
	anon.Get(fmt.Sprintf("/v1/merchants/%d", shop.ID)).WantError(404, "merchant_not_found")
	var page app.List[catalog.BrowseItem]
	anon.Get("/v1/services?q=" + "暂停测试保洁").OK().JSON(&page)
	if len(page.Items) != 0 {
		t.Fatalf("suspended shop's items browse: %+v", page.Items)
	}
	// A suspended shop cannot shelve, and cannot be booked.
	shop.Owner.Post(fmt.Sprintf("/v1/merchant/items/%d/off-shelf", it.ID), nil).OK()
	shop.Owner.Post(fmt.Sprintf("/v1/merchant/items/%d/on-shelf", it.ID), nil).WantError(409, "merchant_not_active")
	if _, err := env.P.Catalog.Bookable(cityCtx(t, "sz", app.System), it.ID); app.KindOf(err) != app.KindConflict {
		t.Fatalf("bookable while suspended: %v", err)
	}
	var dir string
	env.P.Reg.HQ(context.Background()).Table(env.P.Reg.HQTable("merchant_directory")).Where("city = 'sz' AND merchant_id = ?", shop.ID).Select("status").Scan(&dir)
	if dir != merchant.StatusSuspended {
		t.Fatalf("directory status %q", dir)
	}
	admin.Post(fmt.Sprintf("/v1/admin/merchants/%d/resume", shop.ID), nil).OK().JSON(&m)
	shop.Owner.Post(fmt.Sprintf("/v1/merchant/items/%d/on-shelf", it.ID), nil).OK()
	anon.Get("/v1/services?q=" + "暂停测试保洁").OK().JSON(&page)
	if len(page.Items) != 1 {
		t.Fatalf("resumed shop's items: %+v", page.Items)
	}
	var audits int64
	env.P.Reg.HQ(context.Background()).Table(env.P.Reg.HQTable("audit_log")).Where("action IN ? AND target_id = ?", []string{"merchant.suspend", "merchant.resume"}, fmt.Sprint(shop.ID)).Count(&audits)
	if audits != 2 {
		t.Fatalf("%d audit rows, want 2", audits)
	}
	waitNotifications(t, "sz", accountOf(t, shop.OwnerPhone), "merchant_status", 2)

	admin.Patch(fmt.Sprintf("/v1/admin/merchants/%d/commission", shop.ID), map[string]any{"commission_bps": 6000}).WantError(400, "invalid_input")
	admin.Patch(fmt.Sprintf("/v1/admin/merchants/%d/commission", shop.ID), map[string]any{"commission_bps": 800}).OK().JSON(&m)
	if m.CommissionBPS == nil || *m.CommissionBPS != 800 {
		t.Fatalf("commission %v", m.CommissionBPS)
	}
	admin.Patch(fmt.Sprintf("/v1/admin/merchants/%d/commission", shop.ID), map[string]any{"commission_bps": nil}).OK().JSON(&m)
	if m.CommissionBPS != nil {
		t.Fatalf("commission %v, want the city default", *m.CommissionBPS)
	}
	c, _ := env.P.Reg.Lookup("sz")
	if merchant.CommissionOf(c, m) != c.CommissionBPS {
		t.Fatal("CommissionOf ignores the city default")
	}
	// Merchant roles cannot reach the city's tools.
	shop.Owner.Post(fmt.Sprintf("/v1/admin/merchants/%d/resume", shop.ID), nil).WantError(403, "forbidden")
}

func TestDispatchers_OwnerInvitesListsAndRemoves(t *testing.T) {
	admin := merchanttest.CityAdmin(t, env, "sz", phone())
	shop := merchanttest.Open(t, env, "sz", admin, phone(), "调度测试家政", merchanttest.Area)
	other := merchanttest.Open(t, env, "sz", admin, phone(), "隔壁家政", merchanttest.Area)
	dPhone := phone()
	var d merchant.Dispatcher
	shop.Owner.Post("/v1/merchant/dispatchers", map[string]string{"phone": dPhone, "name": "小王"}).Want(201).JSON(&d)
	if d.AccountID == 0 || d.Phone != dPhone[:3]+"****"+dPhone[7:] {
		t.Fatalf("dispatcher: %+v", d)
	}
	var list []merchant.Dispatcher
	shop.Owner.Get("/v1/merchant/dispatchers").OK().JSON(&list)
	if len(list) != 1 || list[0].AccountID != d.AccountID {
		t.Fatalf("list: %+v", list)
	}
	other.Owner.Get("/v1/merchant/dispatchers").OK().JSON(&list)
	if len(list) != 0 {
		t.Fatalf("the other shop sees dispatchers: %+v", list)
	}
	other.Owner.Delete(fmt.Sprintf("/v1/merchant/dispatchers/%d", d.AccountID), nil).WantError(404, "dispatcher_not_found")

	ds := merchanttest.Act(t, env, dPhone, "city:sz", app.RoleMerchantDispatcher)
	disp := env.Client(t).In("sz").As(ds.AccessToken)
	var m merchant.Merchant
	disp.Get("/v1/merchant/shop").OK().JSON(&m)
	if m.ID != shop.ID {
		t.Fatalf("dispatcher's shop %d, want %d", m.ID, shop.ID)
	}
	disp.Patch("/v1/merchant/shop", map[string]string{"name": "改名"}).WantError(403, "forbidden")
	disp.Post("/v1/merchant/dispatchers", map[string]string{"phone": phone()}).WantError(403, "forbidden")

	shop.Owner.Delete(fmt.Sprintf("/v1/merchant/dispatchers/%d", d.AccountID), nil).OK()
	shop.Owner.Delete(fmt.Sprintf("/v1/merchant/dispatchers/%d", d.AccountID), nil).WantError(404, "dispatcher_not_found")
	waitNotifications(t, "sz", d.AccountID, "dispatcher_invited", 1)
}

func TestIsolation_ShopsOfOneCityCannotReachEachOther(t *testing.T) {
	admin := merchanttest.CityAdmin(t, env, "sz", phone())
	a := merchanttest.Open(t, env, "sz", admin, phone(), "甲家政", merchanttest.Area)
	b := merchanttest.Open(t, env, "sz", admin, phone(), "乙家政", merchanttest.Area)
	itemA := merchanttest.AddItem(t, a.Owner, merchanttest.Item("甲的保洁", 9900), true)
	itemB := merchanttest.AddItem(t, b.Owner, merchanttest.Item("乙的保洁", 9900), false)
	staffA := merchanttest.AddStaff(t, a.Owner, phone(), "甲的阿姨")
	staffB := merchanttest.AddStaff(t, b.Owner, phone(), "乙的阿姨")
	var certB staff.CertView
	b.Owner.Post(fmt.Sprintf("/v1/merchant/staff/%d/certifications", staffB.ID), staff.CertInput{Name: "健康证", Issuer: "疾控",
		DocumentURL: "https://img.example.com/c.jpg"}).Want(201).JSON(&certB)
	dPhone := phone()
	a.Owner.Post("/v1/merchant/dispatchers", map[string]string{"phone": dPhone}).Want(201)
	var dB merchant.Dispatcher
	b.Owner.Post("/v1/merchant/dispatchers", map[string]string{"phone": phone()}).Want(201).JSON(&dB)
	ds := merchanttest.Act(t, env, dPhone, "city:sz", app.RoleMerchantDispatcher)
	dispA := env.Client(t).In("sz").As(ds.AccessToken)

	item := fmt.Sprintf("/v1/merchant/items/%d", itemB.ID)
	st := fmt.Sprintf("/v1/merchant/staff/%d", staffB.ID)
	for _, c := range []struct {
		who    *apptest.Client
		method string
		path   string
		body   any
		status int
	}{
		{a.Owner, "GET", item, nil, 404},
		{a.Owner, "PATCH", item, map[string]string{"title": "抢来的"}, 404},
		{a.Owner, "POST", item + "/on-shelf", nil, 404},
		{a.Owner, "POST", item + "/off-shelf", nil, 404},
		{a.Owner, "DELETE", item, nil, 404},
		{a.Owner, "GET", st, nil, 404},
		{a.Owner, "PATCH", st, map[string]string{"display_name": "x"}, 404},
		{a.Owner, "POST", st + "/deactivate", nil, 404},
		{a.Owner, "POST", st + "/activate", nil, 404},
		{a.Owner, "PUT", st + "/days-off", staff.DaysOffInput{}, 404},
		{a.Owner, "GET", st + "/certifications", nil, 404},
		{a.Owner, "POST", st + "/certifications", staff.CertInput{Name: "x", Issuer: "x", DocumentURL: "https://x.example.com/x"}, 404},
		{a.Owner, "POST", fmt.Sprintf("%s/certifications/%d/verify", st, certB.ID), staff.VerifyInput{Approve: true}, 404},
		{a.Owner, "POST", fmt.Sprintf("/v1/merchant/staff/%d/certifications/%d/verify", staffA.ID, certB.ID), staff.VerifyInput{Approve: true}, 404},
		{a.Owner, "POST", fmt.Sprintf("/v1/merchant/certifications/%d/verify", certB.ID), staff.VerifyInput{Approve: true}, 404},
		{a.Owner, "DELETE", fmt.Sprintf("/v1/merchant/dispatchers/%d", dB.AccountID), nil, 404},
		{dispA, "GET", item, nil, 404},
		{dispA, "GET", st, nil, 404},
		{dispA, "GET", st + "/certifications", nil, 404},
		{dispA, "PATCH", item, map[string]string{"title": "x"}, 403},
	} {
		r := c.who.Do(c.method, c.path, c.body)
		if r.Status != c.status {
			t.Errorf("%s %s: %d %s, want %d", c.method, c.path, r.Status, r.Body, c.status)
		}
	}
	// Nothing changed at B.
	ctx := cityCtx(t, "sz", app.System)
	if it, _ := env.P.Catalog.Item(ctx, itemB.ID); it.Title != "乙的保洁" || it.Status != catalog.ItemOff {
		t.Fatalf("B's item changed: %+v", it)
	}
	if s, _ := env.P.Staff.Get(ctx, staffB.ID); s.Status != staff.StatusActive || s.DisplayName != "乙的阿姨" {
		t.Fatalf("B's staff changed: %+v", s)
	}
	// Lists hold A's rows only.
	for _, who := range []*apptest.Client{a.Owner, dispA} {
		var items app.List[catalog.ServiceItem]
		who.Get("/v1/merchant/items").OK().JSON(&items)
		if len(items.Items) != 1 || items.Items[0].ID != itemA.ID {
			t.Fatalf("items: %+v", items.Items)
		}
		var sts app.List[staff.View]
		who.Get("/v1/merchant/staff").OK().JSON(&sts)
		if len(sts.Items) != 1 || sts.Items[0].ID != staffA.ID {
			t.Fatalf("staff: %+v", sts.Items)
		}
	}
	var certs app.List[staff.CertView]
	a.Owner.Get("/v1/merchant/certifications").OK().JSON(&certs)
	if len(certs.Items) != 0 {
		t.Fatalf("A sees certifications: %+v", certs.Items)
	}
	var ds2 []merchant.Dispatcher
	a.Owner.Get("/v1/merchant/dispatchers").OK().JSON(&ds2)
	if len(ds2) != 1 || ds2[0].AccountID == dB.AccountID {
		t.Fatalf("A's dispatchers: %+v", ds2)
	}
	// The city sees both.
	var all app.List[staff.View]
	admin.Get(fmt.Sprintf("/v1/admin/staff?merchant_id=%d", b.ID)).OK().JSON(&all)
	if len(all.Items) != 1 || all.Items[0].ID != staffB.ID {
		t.Fatalf("city view of B's staff: %+v", all.Items)
	}
	admin.Get(fmt.Sprintf("/v1/admin/staff/%d", staffA.ID)).OK()
	// A merchant cannot use the city's staff view.
	a.Owner.Get("/v1/admin/staff").WantError(403, "city_operator_required")
}

func TestIsolation_CityAdminsStayInTheirCity(t *testing.T) {
	sz := merchanttest.CityAdmin(t, env, "sz", phone())
	bjPhone := phone()
	bj := merchanttest.CityAdmin(t, env, "bj", bjPhone)
	shop := merchanttest.Open(t, env, "bj", bj, phone(), "北京家政", merchanttest.Area)
	v := merchanttest.AddStaff(t, shop.Owner, phone(), "北京阿姨")

	// A bj token used in sz, and the reverse, is refused by the middleware.
	szAsBJ := merchanttest.Act(t, env, bjPhone, "city:bj", app.RoleCityAdmin)
	env.Client(t).In("sz").As(szAsBJ.AccessToken).Get("/v1/admin/merchants").WantError(403, "wrong_city")
	env.Client(t).In("sz").As(szAsBJ.AccessToken).Get(fmt.Sprintf("/v1/admin/merchants/%d", shop.ID)).WantError(403, "wrong_city")
	shop.Owner.With("X-City", "sz").Get("/v1/merchant/shop").WantError(403, "wrong_city")

	// Ids that exist only in bj are not reachable through sz.
	ctx := cityCtx(t, "bj", app.System)
	var high merchant.Merchant
	if err := tenants.DB(ctx).Where("id = ?", shop.ID).Take(&high).Error; err != nil {
		t.Fatal(err)
	}
	high.ID, high.ApplicationID, high.ApprovedFrom, high.Name = 900001, 0, nil, "只在北京"
	if err := tenants.DB(ctx).Create(&high).Error; err != nil {
		t.Fatal(err)
	}
	bj.Get("/v1/admin/merchants/900001").OK()
	sz.Get("/v1/admin/merchants/900001").WantError(404, "merchant_not_found")
	sz.Post("/v1/admin/merchants/900001/suspend", map[string]string{"reason": "x"}).WantError(404, "merchant_not_found")
	var list app.List[merchant.Merchant]
	sz.Get("/v1/admin/merchants?limit=100").OK().JSON(&list)
	for _, m := range list.Items {
		if m.Name == "北京家政" || m.Name == "只在北京" {
			t.Fatalf("sz lists a bj merchant: %+v", m)
		}
	}
	var st staff.Staff
	tenants.DB(ctx).Where("id = ?", v.ID).Take(&st)
	st.ID, st.AccountID = 900002, st.AccountID+100000
	if err := tenants.DB(ctx).Create(&st).Error; err != nil {
		t.Fatal(err)
	}
	bj.Get("/v1/admin/staff/900002").OK()
	sz.Get("/v1/admin/staff/900002").WantError(404, "staff_not_found")
	env.Client(t).In("sz").Get("/v1/staff/900002/profile").WantError(404, "staff_not_found")
	env.Client(t).In("sz").Get("/v1/merchants/900001").WantError(404, "merchant_not_found")
}
