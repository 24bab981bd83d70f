package staff_test

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
	"doorstep/app/geo"
	"doorstep/app/merchant/merchanttest"
	"doorstep/app/staff"
	"doorstep/tenants"
)

var env *apptest.Env

// sink records what dispatch would hear.
type sink struct {
	mu  sync.Mutex
	got []staff.Staff
}

func (s *sink) StaffMoved(_ context.Context, city string, st staff.Staff) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if city == "sz" {
		s.got = append(s.got, st)
	}
}

func (s *sink) last(id int64) (staff.Staff, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := len(s.got) - 1; i >= 0; i-- {
		if s.got[i].ID == id {
			return s.got[i], true
		}
	}
	return staff.Staff{}, false
}

var moves = &sink{}

func TestMain(m *testing.M) {
	e, err := apptest.Start(apptest.Cities("sz", "bj"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	env = e
	e.P.Staff.UseLocationSink(moves)
	code := m.Run()
	e.Close()
	os.Exit(code)
}

var (
	phoneMu sync.Mutex
	phoneN  = 3000
	adminMu sync.Mutex
	admins  = map[string]*apptest.Client{}
)

func phone() string {
	phoneMu.Lock()
	defer phoneMu.Unlock()
	phoneN++
	return apptest.Phone(phoneN)
}

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

func shop(t testing.TB, city, name string) merchanttest.Shop {
	t.Helper()
	return merchanttest.Open(t, env, city, admin(t, city), phone(), name, merchanttest.Area, "housekeeping", "nursing")
}

func cityCtx(t *testing.T, code string) context.Context {
	t.Helper()
	c, err := env.P.Reg.Lookup(code)
	if err != nil {
		t.Fatal(err)
	}
	return app.WithActor(tenants.WithCity(context.Background(), c), app.System)
}

func staffClient(t *testing.T, phoneNo string) *apptest.Client {
	t.Helper()
	s := merchanttest.Act(t, env, phoneNo, "city:sz", app.RoleStaff)
	return env.Client(t).In("sz").As(s.AccessToken)
}

func TestStaff_InvitedPersonSignsInSeesMeAndDispatchHearsDutyAndLocation(t *testing.T) {
	s := shop(t, "sz", "阿姨之家")
	p := phone()
	v := merchanttest.AddStaff(t, s.Owner, p, "王阿姨", "cleaning", "deep_cleaning")
	if v.ID == 0 || v.Phone != p[:3]+"****"+p[7:] || v.WorkStart != "08:00" || len(v.WorkDays) != 7 || v.Status != staff.StatusActive {
		t.Fatalf("staff: %+v", v)
	}
	// The invitation is texted.
	deadline := time.Now().Add(10 * time.Second)
	for {
		var msgs []struct{ Template string }
		env.Client(t).Get("/v1/sandbox/sms?phone=" + p).OK().JSON(&msgs)
		if len(msgs) > 0 && msgs[0].Template == "staff_invited" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no staff_invited SMS: %+v", msgs)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Adding the same person again is a conflict.
	s.Owner.Post("/v1/merchant/staff", staff.Input{Phone: p, DisplayName: "王阿姨", Skills: []string{"cleaning"}}).WantError(409, "staff_exists")

	me := staffClient(t, p)
	var got staff.Me
	me.Get("/v1/staff/me").OK().JSON(&got)
	if got.ID != v.ID || got.DisplayName != "王阿姨" || got.Merchant.ID != s.ID || got.Merchant.Name != "阿姨之家" || len(got.SkillNames) != 2 || got.OnDuty {
		t.Fatalf("me: %+v", got)
	}
	// Duty and location reach dispatch after commit.
	var d staff.Duty
	me.Post("/v1/staff/me/duty", map[string]bool{"on_duty": true}).OK().JSON(&d)
	if !d.OnDuty {
		t.Fatalf("duty: %+v", d)
	}
	if st, ok := moves.last(v.ID); !ok || !st.OnDuty {
		t.Fatalf("dispatch did not hear of duty: %+v", st)
	}
	me.Post("/v1/staff/me/location", map[string]float64{"lat": 95, "lng": 113.9}).WantError(400, "invalid_input")
	me.Post("/v1/staff/me/location", map[string]float64{"lat": 0, "lng": 0}).WantError(400, "invalid_input")
	me.Post("/v1/staff/me/location", map[string]float64{"lat": 22.54, "lng": 113.93}).OK().JSON(&d)
	if d.Location == nil || d.Location.Lat != 22.54 || d.LocatedAt == nil {
		t.Fatalf("location: %+v", d)
	}
	st, ok := moves.last(v.ID)
	if !ok || st.Lat != 22.54 || st.Lng != 113.93 || st.LocatedAt == nil || !st.OnDuty || st.SkillMask != 0b11 {
		t.Fatalf("dispatch heard %+v", st)
	}
	ctx := cityCtx(t, "sz")
	all, err := env.P.Staff.ListOnDuty(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, x := range all {
		if x.ID == v.ID {
			found = x.OnDuty && x.Lat == 22.54 && len(x.Skills) == 2
		}
	}
	if !found {
		t.Fatalf("ListOnDuty misses the staff member: %+v", all)
	}
	// The merchant sees where they are.
	var mv staff.View
	s.Owner.Get(fmt.Sprintf("/v1/merchant/staff/%d", v.ID)).OK().JSON(&mv)
	if mv.Location == nil || !mv.OnDuty {
		t.Fatalf("merchant view: %+v", mv)
	}
	// A customer token cannot use the staff app.
	cust := merchanttest.SignIn(t, env, phone())
	env.Client(t).In("sz").As(cust.AccessToken).Get("/v1/staff/me").WantError(403, "forbidden")
}

func TestStaff_PublicProfileShowsVerifiedCertsAndNeverContactOrPlace(t *testing.T) {
	s := shop(t, "sz", "护理之家")
	p := phone()
	in := staff.Input{Phone: p, DisplayName: "李护工", PhotoURL: "https://img.example.com/li.jpg", Bio: "十年护理经验", YearsExperience: 10,
		Skills: []string{"elder_care", "nursing"}, Area: &geo.Area{Center: geo.Point{Lat: 22.55, Lng: 113.95}, RadiusM: 3000},
		WorkStart: "09:00", WorkEnd: "18:00", WorkDays: []int{1, 2, 3, 4, 5}}
	var v staff.View
	s.Owner.Post("/v1/merchant/staff", in).Want(201).JSON(&v)
	if v.WorkDays[0] != 1 || v.WorkStartMin != 540 || v.Area == nil {
		t.Fatalf("staff: %+v", v)
	}
	me := staffClient(t, p)
	me.Post("/v1/staff/me/location", map[string]float64{"lat": 22.5512, "lng": 113.9487}).OK()
	next := time.Now().AddDate(1, 0, 0).Format(time.DateOnly)
	var health, nurse, first staff.CertView
	s.Owner.Post(fmt.Sprintf("/v1/merchant/staff/%d/certifications", v.ID), staff.CertInput{Name: "健康证", Issuer: "深圳市疾控中心",
		DocumentURL: "https://img.example.com/c/1.jpg", ExpiresOn: next}).Want(201).JSON(&health)
	me.Post("/v1/staff/me/certifications", staff.CertInput{Name: "养老护理员证", SkillCode: "elder_care", Issuer: "人社部",
		DocumentURL: "https://img.example.com/c/2.jpg"}).Want(201).JSON(&nurse)
	s.Owner.Post(fmt.Sprintf("/v1/merchant/staff/%d/certifications", v.ID), staff.CertInput{Name: "急救证", Issuer: "红十字会",
		DocumentURL: "https://img.example.com/c/3.jpg"}).Want(201).JSON(&first)
	s.Owner.Post(fmt.Sprintf("/v1/merchant/staff/%d/certifications", v.ID), staff.CertInput{Name: "旧证", Issuer: "x",
		DocumentURL: "https://img.example.com/c/4.jpg", ExpiresOn: "2001-01-01"}).WantError(400, "invalid_input")
	if health.Status != staff.CertPending || health.Valid || nurse.MerchantID != s.ID {
		t.Fatalf("certs: %+v %+v", health, nurse)
	}
	// Merchant verifies one, the city another, and rejects the third.
	s.Owner.Post(fmt.Sprintf("/v1/merchant/staff/%d/certifications/%d/verify", v.ID, health.ID), staff.VerifyInput{Approve: true}).OK().JSON(&health)
	var queue app.List[staff.CertView]
	admin(t, "sz").Get("/v1/admin/certifications?status=pending").OK().JSON(&queue)
	if !hasCert(queue.Items, nurse.ID) || !hasCert(queue.Items, first.ID) || hasCert(queue.Items, health.ID) {
		t.Fatalf("city queue: %+v", queue.Items)
	}
	admin(t, "sz").Post(fmt.Sprintf("/v1/admin/certifications/%d/verify", nurse.ID), staff.VerifyInput{Approve: true, Note: "已核验原件"}).OK()
	admin(t, "sz").Post(fmt.Sprintf("/v1/admin/certifications/%d/verify", first.ID), staff.VerifyInput{Approve: false}).WantError(400, "invalid_input")
	admin(t, "sz").Post(fmt.Sprintf("/v1/admin/certifications/%d/verify", first.ID), staff.VerifyInput{Approve: false, Note: "照片模糊"}).OK().JSON(&first)
	if first.Status != staff.CertRejected || first.Valid {
		t.Fatalf("rejected: %+v", first)
	}
	s.Owner.Post(fmt.Sprintf("/v1/merchant/certifications/%d/verify", first.ID), staff.VerifyInput{Approve: true}).WantError(409, "certification_reviewed")
	// A staff member cannot verify their own.
	me.Post(fmt.Sprintf("/v1/merchant/certifications/%d/verify", first.ID), staff.VerifyInput{Approve: true}).WantError(403, "forbidden")

	r := env.Client(t).In("sz").Get(fmt.Sprintf("/v1/staff/%d/profile", v.ID)).OK()
	var pub staff.ProfilePage
	r.JSON(&pub)
	if pub.DisplayName != "李护工" || pub.YearsExperience != 10 || len(pub.Skills) != 2 || pub.Skills[0].Name != "老人陪护" ||
		len(pub.Certifications) != 2 || pub.Merchant.ID != s.ID || pub.Reviews == nil {
		t.Fatalf("profile: %+v", pub)
	}
	raw := string(r.Body)
	for _, leak := range []string{p, p[7:], p[:3] + "****", "phone", "account", "lat", "lng", "area", "location", "22.55", "113.94", "急救证", "document_url"} {
		if strings.Contains(raw, leak) {
			t.Fatalf("public profile shows %q: %s", leak, raw)
		}
	}

	// Expired certifications stop counting, in the profile and for dispatch.
	ctx := cityCtx(t, "sz")
	valid, err := env.P.Staff.ValidCertifications(ctx, v.ID, time.Now())
	if err != nil || len(valid) != 2 {
		t.Fatalf("valid now: %d %v", len(valid), err)
	}
	valid, _ = env.P.Staff.ValidCertifications(ctx, v.ID, time.Now().AddDate(1, 0, 2))
	if len(valid) != 1 || valid[0].ID != nurse.ID {
		t.Fatalf("valid after the health certificate expires: %+v", valid)
	}
	yesterday := time.Now().AddDate(0, 0, -2).Format(time.DateOnly)
	if err := tenants.DB(ctx).Model(&staff.Certification{}).Where("id = ?", health.ID).Update("expires_on", yesterday).Error; err != nil {
		t.Fatal(err)
	}
	env.Client(t).In("sz").Get(fmt.Sprintf("/v1/staff/%d/profile", v.ID)).OK().JSON(&pub)
	if len(pub.Certifications) != 1 || pub.Certifications[0].Name != "养老护理员证" {
		t.Fatalf("profile after expiry: %+v", pub.Certifications)
	}
	var certs []staff.CertView
	s.Owner.Get(fmt.Sprintf("/v1/merchant/staff/%d/certifications", v.ID)).OK().JSON(&certs)
	for _, c := range certs {
		if c.ID == health.ID && (!c.Expired || c.Valid) {
			t.Fatalf("expired cert shown as %+v", c)
		}
	}
	// An expired pending certification cannot be approved.
	var late staff.CertView
	s.Owner.Post(fmt.Sprintf("/v1/merchant/staff/%d/certifications", v.ID), staff.CertInput{Name: "电工证", Issuer: "应急管理局",
		DocumentURL: "https://img.example.com/c/5.jpg", ExpiresOn: next}).Want(201).JSON(&late)
	tenants.DB(ctx).Model(&staff.Certification{}).Where("id = ?", late.ID).Update("expires_on", yesterday)
	s.Owner.Post(fmt.Sprintf("/v1/merchant/certifications/%d/verify", late.ID), staff.VerifyInput{Approve: true}).WantError(409, "certification_expired")
}

func hasCert(cs []staff.CertView, id int64) bool {
	for _, c := range cs {
		if c.ID == id {
			return true
		}
	}
	return false
}

func accountID(t *testing.T, p string) int64 {
	id, _, err := env.P.Accounts.FindOrInviteByPhone(context.Background(), p, "")
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestStaff_QualifiedForAServiceBySkills(t *testing.T) {
	s := shop(t, "sz", "技能匹配家政")
	both := merchanttest.AddStaff(t, s.Owner, phone(), "全能张", "cleaning", "deep_cleaning")
	one := merchanttest.AddStaff(t, s.Owner, phone(), "保洁赵", "cleaning")
	gone := merchanttest.AddStaff(t, s.Owner, phone(), "离职钱", "cleaning", "deep_cleaning")
	s.Owner.Post(fmt.Sprintf("/v1/merchant/staff/%d/deactivate", gone.ID), nil).OK()
	other := shop(t, "sz", "别家")
	merchanttest.AddStaff(t, other.Owner, phone(), "别家孙", "cleaning", "deep_cleaning")

	in := merchanttest.Item("深度保洁四小时", 39900)
	in.CategoryCode, in.Skills, in.DurationMin = "deep_cleaning", []string{"cleaning", "deep_cleaning"}, 240
	deep := merchanttest.AddItem(t, s.Owner, in, true)
	simple := merchanttest.AddItem(t, s.Owner, merchanttest.Item("日常保洁", 9900), true)

	var got []staff.PublicProfile
	env.Client(t).In("sz").Get(fmt.Sprintf("/v1/services/%d/staff", deep.ID)).OK().JSON(&got)
	if len(got) != 1 || got[0].ID != both.ID {
		t.Fatalf("staff for deep cleaning: %+v", got)
	}
	env.Client(t).In("sz").Get(fmt.Sprintf("/v1/services/%d/staff", simple.ID)).OK().JSON(&got)
	if len(got) != 2 {
		t.Fatalf("staff for daily cleaning: %+v", got)
	}
	ctx := cityCtx(t, "sz")
	it, _ := env.P.Catalog.Item(ctx, deep.ID)
	q, err := env.P.Staff.Qualified(ctx, s.ID, it.SkillMask)
	if err != nil || len(q) != 1 || q[0].ID != both.ID {
		t.Fatalf("Qualified: %+v %v", q, err)
	}
	_ = one
	s.Owner.Post(fmt.Sprintf("/v1/merchant/items/%d/off-shelf", deep.ID), nil).OK()
	env.Client(t).In("sz").Get(fmt.Sprintf("/v1/services/%d/staff", deep.ID)).WantError(404, "service_item_not_found")
}

func TestStaff_DeactivateRemovesTheRoleAndTheProfile(t *testing.T) {
	s := shop(t, "sz", "离职测试家政")
	p := phone()
	v := merchanttest.AddStaff(t, s.Owner, p, "短期工")
	me := staffClient(t, p)
	me.Post("/v1/staff/me/duty", map[string]bool{"on_duty": true}).OK()
	var out staff.View
	s.Owner.Post(fmt.Sprintf("/v1/merchant/staff/%d/deactivate", v.ID), nil).OK().JSON(&out)
	if out.Status != staff.StatusInactive || out.OnDuty {
		t.Fatalf("deactivated: %+v", out)
	}
	if st, _ := moves.last(v.ID); st.Status != staff.StatusInactive || st.OnDuty {
		t.Fatalf("dispatch heard %+v", st)
	}
	gs, _ := env.P.RBAC.GrantsOf(context.Background(), accountID(t, p))
	for _, g := range gs {
		if g.Role == app.RoleStaff {
			t.Fatalf("staff grant left: %+v", g)
		}
	}
	// The old token may still be valid for a few minutes; the service refuses it anyway.
	me.Post("/v1/staff/me/duty", map[string]bool{"on_duty": true}).Want(403)
	env.Client(t).In("sz").Get(fmt.Sprintf("/v1/staff/%d/profile", v.ID)).WantError(404, "staff_not_found")
	// Invited again, the same profile comes back with its role.
	var back staff.View
	s.Owner.Post("/v1/merchant/staff", staff.Input{Phone: p, DisplayName: "回归工", Skills: []string{"cleaning"}}).Want(201).JSON(&back)
	if back.ID != v.ID || back.Status != staff.StatusActive || back.DisplayName != "回归工" {
		t.Fatalf("back: %+v", back)
	}
	staffClient(t, p).Get("/v1/staff/me").OK()
}

func TestStaff_EditHoursAndDaysOff(t *testing.T) {
	s := shop(t, "sz", "排班家政")
	v := merchanttest.AddStaff(t, s.Owner, phone(), "排班员")
	path := fmt.Sprintf("/v1/merchant/staff/%d", v.ID)
	s.Owner.Patch(path, map[string]any{"work_start": "19:00", "work_end": "18:00"}).WantError(400, "invalid_input")
	s.Owner.Patch(path, map[string]any{"work_start": "08:15"}).WantError(400, "invalid_input")
	s.Owner.Patch(path, map[string]any{"work_days": []int{7}}).WantError(400, "invalid_input")
	s.Owner.Patch(path, map[string]any{"skills": []string{"juggling"}}).WantError(400, "unknown_skill")
	var out staff.View
	s.Owner.Patch(path, map[string]any{"work_start": "07:30", "work_days": []int{0, 6}, "skills": []string{"cleaning", "laundry"}}).OK().JSON(&out)
	if out.WorkStartMin != 450 || out.WorkDays[0] != 0 || len(out.WorkDays) != 2 || out.SkillMask != 0 && len(out.Skills) != 2 {
		t.Fatalf("edited: %+v", out)
	}
	c, _ := env.P.Reg.Lookup("sz")
	d1 := time.Now().In(c.Loc).AddDate(0, 0, 3).Format(time.DateOnly)
	d2 := time.Now().In(c.Loc).AddDate(0, 0, 10).Format(time.DateOnly)
	past := time.Now().In(c.Loc).AddDate(0, 0, -1).Format(time.DateOnly)
	s.Owner.Put(path+"/days-off", staff.DaysOffInput{Days: []string{past}}).WantError(400, "invalid_input")
	s.Owner.Put(path+"/days-off", staff.DaysOffInput{Days: []string{"2026-13-40"}}).WantError(400, "invalid_input")
	var days staff.DaysOffInput
	s.Owner.Put(path+"/days-off", staff.DaysOffInput{Days: []string{d2, d1, d1}}).OK().JSON(&days)
	if len(days.Days) != 2 || days.Days[0] != d1 {
		t.Fatalf("days off: %+v", days)
	}
	ctx := cityCtx(t, "sz")
	from, _ := time.Parse(time.DateOnly, d1)
	to, _ := time.Parse(time.DateOnly, d2)
	got, err := env.P.Staff.DaysOff(ctx, v.ID, from, to)
	if err != nil || len(got) != 2 || got[0].Format(time.DateOnly) != d1 || got[1].Format(time.DateOnly) != d2 {
		t.Fatalf("DaysOff: %v %v", got, err)
	}
	got, _ = env.P.Staff.DaysOff(ctx, v.ID, to, to)
	if len(got) != 1 {
		t.Fatalf("DaysOff of one day: %v", got)
	}
	// Replacing keeps only the new set.
	s.Owner.Put(path+"/days-off", staff.DaysOffInput{Days: []string{d2}}).OK()
	var view staff.View
	s.Owner.Get(path).OK().JSON(&view)
	if len(view.DaysOff) != 1 || view.DaysOff[0] != d2 {
		t.Fatalf("view days off: %+v", view.DaysOff)
	}
}

func TestStaff_RatingsAndCompletedJobs(t *testing.T) {
	s := shop(t, "sz", "评分家政")
	v := merchanttest.AddStaff(t, s.Owner, phone(), "评分员")
	ctx := cityCtx(t, "sz")
	if err := tenants.WithTx(ctx, func(ctx context.Context) error {
		if err := env.P.Staff.AddRating(ctx, v.ID, 5); err != nil {
			return err
		}
		if err := env.P.Staff.AddRating(ctx, v.ID, 4); err != nil {
			return err
		}
		if err := env.P.Merchants.AddRating(ctx, s.ID, 4); err != nil {
			return err
		}
		return env.P.Staff.AddCompleted(ctx, v.ID)
	}); err != nil {
		t.Fatal(err)
	}
	st, _ := env.P.Staff.Get(ctx, v.ID)
	m, _ := env.P.Merchants.Get(ctx, s.ID)
	if st.RatingAvg != 450 || st.RatingCount != 2 || st.CompletedJobs != 1 || m.RatingAvg != 400 {
		t.Fatalf("staff %+v merchant %+v", st, m)
	}
	if _, err := env.P.Staff.Get(ctx, 1<<40); app.KindOf(err) != app.KindNotFound {
		t.Fatalf("missing staff: %v", err)
	}
	var pub staff.ProfilePage
	env.Client(t).In("sz").Get(fmt.Sprintf("/v1/staff/%d/profile", v.ID)).OK().JSON(&pub)
	if pub.RatingAvg != 450 || pub.CompletedJobs != 1 {
		t.Fatalf("profile: %+v", pub)
	}
}
