package review_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"doorstep/app"
	"doorstep/app/account"
	"doorstep/app/apptest"
	"doorstep/app/audit"
	"doorstep/app/booking"
	"doorstep/app/catalog"
	"doorstep/app/merchant"
	"doorstep/app/notify"
	"doorstep/app/outbox"
	"doorstep/app/review"
	"doorstep/app/staff"
	"doorstep/tenants"
)

var (
	env *apptest.Env
	seq atomic.Int64
)

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

func next() int64 { return seq.Add(1) }

func cityCtx(t *testing.T, code string) context.Context {
	t.Helper()
	c, err := env.P.Reg.Lookup(code)
	if err != nil {
		t.Fatal(err)
	}
	return tenants.WithCity(context.Background(), c)
}

func create(t *testing.T, ctx context.Context, v any) {
	t.Helper()
	if err := tenants.DB(ctx).Create(v).Error; err != nil {
		t.Fatalf("insert %T: %v", v, err)
	}
}

// shop is a merchant with one service item and one staff member, and a
// signed-in owner.
type shop struct {
	city       string
	merchantID int64
	itemID     int64
	staffID    int64
	owner      string // owner's access token
}

func newShop(t *testing.T, city string) shop {
	t.Helper()
	ctx := cityCtx(t, city)
	now := time.Now().UTC()
	n := next()
	m := merchant.Merchant{Name: fmt.Sprintf("测试家政%d", n), LicenceNo: "L", ContactName: "张", ContactPhoneEnc: []byte{}, ContactPhoneMasked: "138****0000",
		Categories: []string{"cleaning"}, OpeningHours: merchant.Hours{}, Status: merchant.StatusActive, CreatedAt: now, UpdatedAt: now}
	create(t, ctx, &m)
	it := catalog.ServiceItem{MerchantID: m.ID, CategoryID: 1, CategoryCode: "daily_cleaning", Title: "日常保洁3小时", Photos: []string{}, PriceModel: catalog.PriceFixed,
		PriceFen: 15000, DurationMin: 180, Skills: []string{}, Status: catalog.ItemOn, CreatedAt: now, UpdatedAt: now}
	create(t, ctx, &it)
	st := staff.Staff{MerchantID: m.ID, AccountID: 900000 + n, DisplayName: "王阿姨", Skills: []string{}, Status: staff.StatusActive, CreatedAt: now, UpdatedAt: now}
	create(t, ctx, &st)
	ph := apptest.Phone(int(40000000 + n))
	env.Grant(t, ph, "city:"+city, app.RoleMerchantOwner, m.ID, 0)
	owner := env.Act(t, ph, "city:"+city, app.RoleMerchantOwner)
	return shop{city: city, merchantID: m.ID, itemID: it.ID, staffID: st.ID, owner: owner.AccessToken}
}

// order writes an order of sh for the customer, as booking would have left
// it; withStaff false is an order that had no staff member.
func order(t *testing.T, sh shop, customerID int64, status string, withStaff bool) booking.Order {
	t.Helper()
	ctx := cityCtx(t, sh.city)
	now := time.Now().UTC()
	o := booking.Order{OrderNo: fmt.Sprintf("T%d%06d", now.Unix(), next()), CustomerID: customerID, MerchantID: sh.merchantID, ServiceItemID: sh.itemID,
		Status: status, SlotStart: now.Add(-3 * time.Hour), SlotEnd: now.Add(-time.Hour), DurationMin: 120, Title: "日常保洁3小时", CategoryCode: "daily_cleaning",
		AddressID: 1, ContactName: "李", PhoneEnc: []byte{}, PhoneMasked: "138****1234", AddressEnc: []byte{}, AddressMasked: "南山区****",
		PriceModel: catalog.PriceFixed, PriceFen: 15000, TotalFen: 15000, PaidFen: 15000, FinishPhotos: []string{}, CreatedAt: now, UpdatedAt: now}
	if withStaff {
		o.StaffID = sh.staffID
	}
	if status == "completed" || status == "after_sales" || status == "refunded" {
		done := now.Add(-time.Hour)
		o.CompletedAt = &done
	}
	create(t, ctx, &o)
	return o
}

func customer(t *testing.T) account.Session {
	t.Helper()
	return env.SignIn(t, apptest.Phone(int(50000000+next())))
}

func stars(n int) review.CreateInput {
	return review.CreateInput{Overall: n, Punctuality: n, Skill: n, Attitude: n, Content: fmt.Sprintf("%d星评价", n)}
}

func post(t *testing.T, city, token string, orderID int64, in review.CreateInput) review.Mine {
	t.Helper()
	var out review.Mine
	env.Client(t).In(city).As(token).Post(fmt.Sprintf("/v1/orders/%d/review", orderID), in).Want(201).JSON(&out)
	return out
}

type rating struct{ sum, count, avg int64 }

func ratingsOf(t *testing.T, sh shop) (item, st, m rating) {
	t.Helper()
	ctx := cityCtx(t, sh.city)
	var it catalog.ServiceItem
	var s staff.Staff
	var mm merchant.Merchant
	if err := tenants.DB(ctx).Where("id = ?", sh.itemID).Take(&it).Error; err != nil {
		t.Fatal(err)
	}
	if err := tenants.DB(ctx).Where("id = ?", sh.staffID).Take(&s).Error; err != nil {
		t.Fatal(err)
	}
	if err := tenants.DB(ctx).Where("id = ?", sh.merchantID).Take(&mm).Error; err != nil {
		t.Fatal(err)
	}
	return rating{it.RatingSum, it.RatingCount, int64(it.RatingAvg)}, rating{s.RatingSum, s.RatingCount, int64(s.RatingAvg)},
		rating{mm.RatingSum, mm.RatingCount, int64(mm.RatingAvg)}
}

// wantRating checks a rating against the stars of the reviews that should
// count: sum and count exactly, the average (stars x 100) rounded.
func wantRating(t *testing.T, what string, got rating, counted ...int) {
	t.Helper()
	var sum int64
	for _, s := range counted {
		sum += int64(s)
	}
	n := int64(len(counted))
	var avg int64
	if n > 0 {
		avg = (sum*200 + n) / (2 * n)
	}
	if got.sum != sum || got.count != n || got.avg < avg-1 || got.avg > avg+1 {
		t.Fatalf("%s rating: sum %d count %d avg %d; want sum %d count %d avg %d (stars %v)", what, got.sum, got.count, got.avg, sum, n, avg, counted)
	}
}

func TestReview_OncePerOrderSecondIs409(t *testing.T) {
	sh := newShop(t, "sz")
	c := customer(t)
	o := order(t, sh, c.AccountID, "completed", true)
	in := stars(5)
	in.Photos = []string{"https://img.example.com/a.jpg", "http://img.example.com/b.jpg"}
	got := post(t, "sz", c.AccessToken, o.ID, in)
	if got.OrderID != o.ID || got.Overall != 5 || got.Status != review.StatusVisible || len(got.Photos) != 2 || got.Service != "日常保洁3小时" {
		t.Fatalf("review: %+v", got)
	}
	if !strings.HasPrefix(got.Reviewer, "用***") {
		t.Fatalf("reviewer %q, want a masked display name", got.Reviewer)
	}
	env.Client(t).In("sz").As(c.AccessToken).Post(fmt.Sprintf("/v1/orders/%d/review", o.ID), stars(1)).WantError(409, "already_reviewed")

	var after booking.Order
	if err := tenants.DB(cityCtx(t, "sz")).Where("id = ?", o.ID).Take(&after).Error; err != nil || !after.Reviewed {
		t.Fatalf("order not marked reviewed: %v %+v", err, after.Reviewed)
	}
	item, st, m := ratingsOf(t, sh)
	wantRating(t, "item", item, 5)
	wantRating(t, "staff", st, 5)
	wantRating(t, "merchant", m, 5)
}

func TestReview_TwoAtOnceForOneOrderOnlyOneWins(t *testing.T) {
	sh := newShop(t, "sz")
	c := customer(t)
	o := order(t, sh, c.AccountID, "completed", true)
	var wg sync.WaitGroup
	codes := make([]int, 4)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = env.Client(t).In("sz").As(c.AccessToken).Post(fmt.Sprintf("/v1/orders/%d/review", o.ID), stars(4)).Status
		}()
	}
	wg.Wait()
	won := 0
	for _, code := range codes {
		switch code {
		case 201:
			won++
		case 409:
		default:
			t.Fatalf("status %d", code)
		}
	}
	if won != 1 {
		t.Fatalf("%d reviews created, want 1 (%v)", won, codes)
	}
	item, st, m := ratingsOf(t, sh)
	wantRating(t, "item", item, 4)
	wantRating(t, "staff", st, 4)
	wantRating(t, "merchant", m, 4)
}

func TestReview_OnlyTheOrdersCustomerMayReview(t *testing.T) {
	sh := newShop(t, "sz")
	c := customer(t)
	o := order(t, sh, c.AccountID, "completed", true)
	other := customer(t)
	path := fmt.Sprintf("/v1/orders/%d/review", o.ID)
	env.Client(t).In("sz").As(other.AccessToken).Post(path, stars(1)).WantError(404, "order_not_found")

	ph := apptest.Phone(int(60000000 + next()))
	env.Grant(t, ph, "city:sz", app.RoleStaff, sh.merchantID, sh.staffID)
	st := env.Act(t, ph, "city:sz", app.RoleStaff)
	env.Client(t).In("sz").As(st.AccessToken).Post(path, stars(5)).WantError(403, "forbidden")
	env.Client(t).In("sz").As(sh.owner).Post(path, stars(5)).WantError(403, "forbidden")
	env.Client(t).In("sz").Post(path, stars(5)).WantError(401, "unauthorized")
	env.Client(t).In("sz").As(c.AccessToken).Post("/v1/orders/999999999/review", stars(5)).WantError(404, "order_not_found")
	// The order lives in sz; in bj there is no such order of this customer.
	env.Client(t).In("bj").As(c.AccessToken).Post(path, stars(5)).WantError(404, "order_not_found")

	post(t, "sz", c.AccessToken, o.ID, stars(3))
}

func TestReview_OnlyAnOrderWhoseServiceHappenedMayBeReviewed(t *testing.T) {
	sh := newShop(t, "sz")
	c := customer(t)
	for _, st := range []string{"pending_payment", "paid", "assigned", "in_service", "cancelled", "expired"} {
		o := order(t, sh, c.AccountID, st, true)
		env.Client(t).In("sz").As(c.AccessToken).Post(fmt.Sprintf("/v1/orders/%d/review", o.ID), stars(5)).WantError(409, "order_not_reviewable")
	}
	for _, st := range []string{"after_sales", "refunded"} {
		post(t, "sz", c.AccessToken, order(t, sh, c.AccountID, st, true).ID, stars(2))
	}
}

func TestReview_BadInputIs400(t *testing.T) {
	sh := newShop(t, "sz")
	c := customer(t)
	o := order(t, sh, c.AccountID, "completed", true)
	path := fmt.Sprintf("/v1/orders/%d/review", o.ID)
	cl := env.Client(t).In("sz").As(c.AccessToken)
	tenPhotos := make([]string, 10)
	for i := range tenPhotos {
		tenPhotos[i] = fmt.Sprintf("https://img.example.com/%d.jpg", i)
	}
	for name, in := range map[string]review.CreateInput{
		"no stars":       {Content: "x"},
		"six stars":      {Overall: 6, Punctuality: 5, Skill: 5, Attitude: 5},
		"zero skill":     {Overall: 5, Punctuality: 5, Skill: 0, Attitude: 5},
		"long content":   {Overall: 5, Punctuality: 5, Skill: 5, Attitude: 5, Content: strings.Repeat("好", 2001)},
		"ten photos":     {Overall: 5, Punctuality: 5, Skill: 5, Attitude: 5, Photos: tenPhotos},
		"ftp photo":      {Overall: 5, Punctuality: 5, Skill: 5, Attitude: 5, Photos: []string{"ftp://img.example.com/a.jpg"}},
		"relative photo": {Overall: 5, Punctuality: 5, Skill: 5, Attitude: 5, Photos: []string{"/a.jpg"}},
	} {
		if r := cl.Post(path, in); r.Status != 400 || r.Code() != "invalid_input" {
			t.Errorf("%s: %d %s", name, r.Status, r.Body)
		}
	}
	in := stars(5)
	in.Content = strings.Repeat("好", 2000)
	in.Photos = tenPhotos[:9]
	post(t, "sz", c.AccessToken, o.ID, in)
}

func TestRatings_EqualTheAverageOfTheReviewsThatCountThroughModeration(t *testing.T) {
	sh := newShop(t, "sz")
	c := customer(t)
	admin := cityAdmin(t, "sz")
	var ids []int64
	for _, s := range []int{5, 4, 2, 1} {
		ids = append(ids, post(t, "sz", c.AccessToken, order(t, sh, c.AccountID, "completed", true).ID, stars(s)).ID)
	}
	noStaff := post(t, "sz", c.AccessToken, order(t, sh, c.AccountID, "completed", false).ID, stars(3))
	item, st, m := ratingsOf(t, sh)
	wantRating(t, "item", item, 5, 4, 2, 1, 3)
	wantRating(t, "staff", st, 5, 4, 2, 1)
	wantRating(t, "merchant", m, 5, 4, 2, 1, 3)

	cl := env.Client(t).In("sz").As(admin)
	// The moderator removes the 1-star review's stars with it.
	var v review.AdminView
	cl.Post(fmt.Sprintf("/v1/admin/reviews/%d/hide", ids[3]), review.HideInput{Reason: review.ReasonOther, RemoveRating: true}).OK().JSON(&v)
	if v.Status != review.StatusHidden || v.RatingCounted {
		t.Fatalf("hidden: %+v", v)
	}
	item, st, m = ratingsOf(t, sh)
	wantRating(t, "item", item, 5, 4, 2, 3)
	wantRating(t, "staff", st, 5, 4, 2)
	wantRating(t, "merchant", m, 5, 4, 2, 3)

	// Abusive text: hidden, but the stars stay.
	cl.Post(fmt.Sprintf("/v1/admin/reviews/%d/hide", ids[2]), review.HideInput{Reason: review.ReasonAbusive}).OK().JSON(&v)
	if !v.RatingCounted {
		t.Fatal("abusive text lost its stars")
	}
	item, _, _ = ratingsOf(t, sh)
	wantRating(t, "item", item, 5, 4, 2, 3)
	// The same review judged again as fraudulent loses them, with or
	// without remove_rating.
	cl.Post(fmt.Sprintf("/v1/admin/reviews/%d/hide", ids[2]), review.HideInput{Reason: review.ReasonFraudulent}).OK().JSON(&v)
	if v.RatingCounted || v.HiddenReason != review.ReasonFraudulent {
		t.Fatalf("fraudulent: %+v", v)
	}
	// A review without staff touches item and merchant only.
	cl.Post(fmt.Sprintf("/v1/admin/reviews/%d/hide", noStaff.ID), review.HideInput{Reason: review.ReasonFraudulent}).OK()
	item, st, m = ratingsOf(t, sh)
	wantRating(t, "item", item, 5, 4)
	wantRating(t, "staff", st, 5, 4)
	wantRating(t, "merchant", m, 5, 4)

	// Unhiding puts the stars back.
	cl.Post(fmt.Sprintf("/v1/admin/reviews/%d/unhide", ids[3]), nil).OK().JSON(&v)
	if v.Status != review.StatusVisible || !v.RatingCounted {
		t.Fatalf("unhidden: %+v", v)
	}
	cl.Post(fmt.Sprintf("/v1/admin/reviews/%d/unhide", ids[3]), nil).OK() // again changes nothing
	item, st, m = ratingsOf(t, sh)
	wantRating(t, "item", item, 5, 4, 1)
	wantRating(t, "staff", st, 5, 4, 1)
	wantRating(t, "merchant", m, 5, 4, 1)

	// What the public sees: the visible reviews, the same ones the ratings hold.
	var pub app.List[review.Public]
	env.Client(t).In("sz").Get(fmt.Sprintf("/v1/services/%d/reviews", sh.itemID)).OK().JSON(&pub)
	var shown []int
	for _, r := range pub.Items {
		shown = append(shown, r.Overall)
	}
	if fmt.Sprint(shown) != "[1 4 5]" {
		t.Fatalf("public stars %v, want [1 4 5]", shown)
	}
	cl.Post(fmt.Sprintf("/v1/admin/reviews/%d/hide", ids[0]), map[string]any{"reason": "spite"}).WantError(400, "invalid_input")
	cl.Post("/v1/admin/reviews/999999999/hide", review.HideInput{Reason: review.ReasonOther}).WantError(404, "review_not_found")
}

func cityAdmin(t *testing.T, city string) string {
	t.Helper()
	ph := apptest.Phone(int(70000000 + next()))
	env.Grant(t, ph, "city:"+city, app.RoleCityAdmin, 0, 0)
	return env.Act(t, ph, "city:"+city, app.RoleCityAdmin).AccessToken
}

func TestPublicLists_VisibleOnlyNewestFirstPagedAndNoAccountIDs(t *testing.T) {
	sh := newShop(t, "sz")
	c := customer(t)
	var ids []int64
	for i, s := range []int{5, 4, 3, 2, 1} {
		in := stars(s)
		in.Anonymous = i == 1
		ids = append(ids, post(t, "sz", c.AccessToken, order(t, sh, c.AccountID, "completed", i != 4).ID, in).ID)
	}
	env.Client(t).In("sz").As(cityAdmin(t, "sz")).Post(fmt.Sprintf("/v1/admin/reviews/%d/hide", ids[2]), review.HideInput{Reason: review.ReasonPrivacy}).OK()

	for _, path := range []string{
		fmt.Sprintf("/v1/services/%d/reviews", sh.itemID),
		fmt.Sprintf("/v1/merchants/%d/reviews", sh.merchantID),
	} {
		var got []int64
		cursor := ""
		for page := 0; ; page++ {
			r := env.Client(t).In("sz").Get(path + "?limit=2&cursor=" + cursor).OK()
			body := string(r.Body)
			if strings.Contains(body, "customer") || strings.Contains(body, "account") || strings.Contains(body, "order") {
				t.Fatalf("%s shows an account: %s", path, body)
			}
			var l app.List[review.Public]
			r.JSON(&l)
			for _, it := range l.Items {
				got = append(got, it.ID)
				if it.ID == ids[1] && it.Reviewer != review.Anonymous {
					t.Fatalf("anonymous review shows %q", it.Reviewer)
				}
				if it.ID != ids[1] && !strings.HasPrefix(it.Reviewer, "用***") {
					t.Fatalf("reviewer %q not masked", it.Reviewer)
				}
			}
			if l.NextCursor == "" {
				break
			}
			cursor = l.NextCursor
		}
		want := fmt.Sprint([]int64{ids[4], ids[3], ids[1], ids[0]})
		if fmt.Sprint(got) != want {
			t.Fatalf("%s: %v, want %v (hidden %d left out)", path, got, want, ids[2])
		}
	}
	var st app.List[review.Public]
	env.Client(t).In("sz").Get(fmt.Sprintf("/v1/staff/%d/reviews", sh.staffID)).OK().JSON(&st)
	if len(st.Items) != 3 || st.Items[0].ID != ids[3] {
		t.Fatalf("staff list: %+v", st.Items)
	}
	// sz's reviews are not bj's.
	var bj app.List[review.Public]
	env.Client(t).In("bj").Get(fmt.Sprintf("/v1/services/%d/reviews", sh.itemID)).OK().JSON(&bj)
	for _, r := range bj.Items {
		for _, id := range ids {
			if r.ID == id {
				t.Fatal("sz review listed in bj")
			}
		}
	}
	env.Client(t).In("sz").Get(fmt.Sprintf("/v1/services/%d/reviews?cursor=@@", sh.itemID)).WantError(400, "invalid_input")

	ctx := cityCtx(t, "sz")
	recent, err := env.P.Reviews.Recent(ctx, sh.itemID, 2)
	if err != nil || len(recent) != 2 || recent[0].ID != ids[4] || recent[1].ID != ids[3] {
		t.Fatalf("Recent: %v %+v", err, recent)
	}
	recent, err = env.P.Reviews.RecentForStaff(ctx, sh.staffID, 5)
	if err != nil || len(recent) != 3 || recent[0].ID != ids[3] || recent[1].Reviewer != review.Anonymous {
		t.Fatalf("RecentForStaff: %v %+v", err, recent)
	}
}

func TestReply_OnceByTheMerchantOfTheOrderAndTheCustomerIsTold(t *testing.T) {
	a := newShop(t, "sz")
	b := newShop(t, "sz")
	c := customer(t)
	r1 := post(t, "sz", c.AccessToken, order(t, a, c.AccountID, "completed", true).ID, stars(2))
	anon := stars(5)
	anon.Anonymous = true
	r2 := post(t, "sz", c.AccessToken, order(t, a, c.AccountID, "completed", true).ID, anon)

	path := fmt.Sprintf("/v1/merchant/reviews/%d/reply", r1.ID)
	env.Client(t).In("sz").As(b.owner).Post(path, review.ReplyInput{Reply: "抱歉"}).WantError(404, "review_not_found")
	env.Client(t).In("sz").As(c.AccessToken).Post(path, review.ReplyInput{Reply: "x"}).WantError(403, "forbidden")
	env.Client(t).In("sz").As(a.owner).Post(path, review.ReplyInput{Reply: ""}).WantError(400, "invalid_input")
	var v review.MerchantView
	env.Client(t).In("sz").As(a.owner).Post(path, review.ReplyInput{Reply: "非常抱歉，我们会改进。"}).OK().JSON(&v)
	if v.Reply != "非常抱歉，我们会改进。" || v.RepliedAt == nil {
		t.Fatalf("reply: %+v", v)
	}
	env.Client(t).In("sz").As(a.owner).Post(path, review.ReplyInput{Reply: "再说一次"}).WantError(409, "already_replied")

	var pub app.List[review.Public]
	env.Client(t).In("sz").Get(fmt.Sprintf("/v1/services/%d/reviews", a.itemID)).OK().JSON(&pub)
	if len(pub.Items) != 2 || pub.Items[1].Reply != "非常抱歉，我们会改进。" {
		t.Fatalf("public reply: %+v", pub.Items)
	}

	list := func(q string) []review.MerchantView {
		var l app.List[review.MerchantView]
		env.Client(t).In("sz").As(a.owner).Get("/v1/merchant/reviews" + q).OK().JSON(&l)
		return l.Items
	}
	if got := list(""); len(got) != 2 || got[0].ID != r2.ID || got[0].OrderNo != "" || got[1].OrderNo == "" {
		t.Fatalf("merchant list (anonymous reviews name no order): %+v", got)
	}
	if got := list("?has_reply=true"); len(got) != 1 || got[0].ID != r1.ID {
		t.Fatalf("has_reply=true: %+v", got)
	}
	if got := list("?has_reply=false"); len(got) != 1 || got[0].ID != r2.ID {
		t.Fatalf("has_reply=false: %+v", got)
	}
	if got := list("?stars=5"); len(got) != 1 || got[0].ID != r2.ID {
		t.Fatalf("stars=5: %+v", got)
	}
	if got := list("?stars=3"); len(got) != 0 {
		t.Fatalf("stars=3: %+v", got)
	}
	env.Client(t).In("sz").As(a.owner).Get("/v1/merchant/reviews?stars=9").WantError(400, "invalid_input")
	var lb app.List[review.MerchantView]
	env.Client(t).In("sz").As(b.owner).Get("/v1/merchant/reviews").OK().JSON(&lb)
	if len(lb.Items) != 0 {
		t.Fatalf("merchant B sees A's reviews: %+v", lb.Items)
	}

	// The customer hears about the reply.
	deadline := time.Now().Add(20 * time.Second)
	for {
		var in notify.Inbox
		env.Client(t).In("sz").As(c.AccessToken).Get("/v1/inbox").OK().JSON(&in)
		if len(in.Items) > 0 && in.Items[0].Event == "review_replied" && in.Items[0].Data["review_id"] == fmt.Sprint(r1.ID) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no review_replied notification: %+v", in.Items)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestReports_OncePerPersonQueuedForModerationAndClosedByTheDecision(t *testing.T) {
	a := newShop(t, "sz")
	b := newShop(t, "sz")
	author := customer(t)
	r := post(t, "sz", author.AccessToken, order(t, a, author.AccountID, "completed", true).ID, stars(1))
	keep := post(t, "sz", author.AccessToken, order(t, a, author.AccountID, "completed", true).ID, stars(2))
	path := fmt.Sprintf("/v1/reviews/%d/report", r.ID)

	reader := customer(t)
	env.Client(t).In("sz").As(reader.AccessToken).Post(path, review.ReportInput{Reason: "辱骂商家"}).Want(201)
	env.Client(t).In("sz").As(reader.AccessToken).Post(path, review.ReportInput{Reason: "again"}).WantError(409, "already_reported")
	env.Client(t).In("sz").As(reader.AccessToken).Post(path, review.ReportInput{}).WantError(400, "invalid_input")
	env.Client(t).In("sz").As(b.owner).Post(path, review.ReportInput{Reason: "竞争对手"}).WantError(404, "review_not_found")
	env.Client(t).In("sz").As(a.owner).Post(path, review.ReportInput{Reason: "内容不实"}).Want(201)
	env.Client(t).In("sz").As(a.owner).Post(fmt.Sprintf("/v1/reviews/%d/report", keep.ID), review.ReportInput{Reason: "不满意"}).Want(201)
	ph := apptest.Phone(int(60000000 + next()))
	env.Grant(t, ph, "city:sz", app.RoleMerchantDispatcher, a.merchantID, 0)
	disp := env.Act(t, ph, "city:sz", app.RoleMerchantDispatcher)
	env.Client(t).In("sz").As(disp.AccessToken).Post(path, review.ReportInput{Reason: "x"}).WantError(403, "forbidden")

	admin := cityAdmin(t, "sz")
	cl := env.Client(t).In("sz").As(admin)
	env.Client(t).In("sz").As(reader.AccessToken).Get("/v1/admin/reviews?reported=1").WantError(403, "forbidden")
	queue := func() []review.AdminView {
		var l app.List[review.AdminView]
		cl.Get(fmt.Sprintf("/v1/admin/reviews?reported=1&merchant_id=%d", a.merchantID)).OK().JSON(&l)
		return l.Items
	}
	q := queue()
	if len(q) != 2 || q[0].ID != keep.ID || q[1].ID != r.ID || q[1].ReportCount != 2 || len(q[1].Reports) != 2 {
		t.Fatalf("queue: %+v", q)
	}
	if rp := q[1].Reports; rp[0].ReporterRole != app.RoleCustomer || rp[1].ReporterRole != app.RoleMerchantOwner || rp[0].Status != review.ReportOpen {
		t.Fatalf("reports: %+v", rp)
	}

	// Nothing wrong with the 2-star review: dismissed, it stays visible.
	var v review.AdminView
	cl.Post(fmt.Sprintf("/v1/admin/reviews/%d/dismiss", keep.ID), nil).OK().JSON(&v)
	if v.Status != review.StatusVisible || v.ReportCount != 0 || v.Reports[0].Status != review.ReportClosed {
		t.Fatalf("dismissed: %+v", v)
	}
	cl.Post(fmt.Sprintf("/v1/admin/reviews/%d/hide", r.ID), review.HideInput{Reason: review.ReasonAbusive, Note: "辱骂"}).OK().JSON(&v)
	for _, rp := range v.Reports {
		if rp.Status != review.ReportClosed {
			t.Fatalf("report left open after hiding: %+v", v.Reports)
		}
	}
	if q := queue(); len(q) != 0 {
		t.Fatalf("queue after decisions: %+v", q)
	}
	// A hidden review cannot be reported, replied to, or seen.
	env.Client(t).In("sz").As(customer(t).AccessToken).Post(path, review.ReportInput{Reason: "x"}).WantError(404, "review_not_found")
	env.Client(t).In("sz").As(a.owner).Post(fmt.Sprintf("/v1/merchant/reviews/%d/reply", r.ID), review.ReplyInput{Reply: "x"}).WantError(409, "review_hidden")
	var hidden app.List[review.AdminView]
	cl.Get(fmt.Sprintf("/v1/admin/reviews?status=hidden&merchant_id=%d", a.merchantID)).OK().JSON(&hidden)
	if len(hidden.Items) != 1 || hidden.Items[0].ID != r.ID || hidden.Items[0].HiddenReason != review.ReasonAbusive || hidden.Items[0].HiddenNote != "辱骂" {
		t.Fatalf("hidden list: %+v", hidden.Items)
	}

	// Every decision is in the city's audit log.
	seen := map[string]bool{}
	for _, action := range []string{"review.hide", "review.dismiss_reports"} {
		entries, err := env.P.Audit.List(context.Background(), audit.Filter{City: "sz", Action: action, Page: app.Page{Limit: 100}})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries.Items {
			if e.TargetType == "review" && e.ActorID != 0 {
				seen[e.Action+":"+e.TargetID] = true
			}
		}
	}
	if !seen["review.hide:"+fmt.Sprint(r.ID)] || !seen["review.dismiss_reports:"+fmt.Sprint(keep.ID)] {
		t.Fatalf("audit entries: %v", seen)
	}
}

func TestReminder_OnceADayAfterCompletionUnlessReviewed(t *testing.T) {
	sh := newShop(t, "sz")
	c := customer(t)
	ctx := cityCtx(t, "sz")
	waiting := order(t, sh, c.AccountID, "completed", true)
	reviewed := order(t, sh, c.AccountID, "completed", true)
	post(t, "sz", c.AccessToken, reviewed.ID, stars(5))

	// Booking calls this in the transaction that completes the order.
	err := tenants.WithTx(ctx, func(ctx context.Context) error {
		return env.P.Reviews.ScheduleReminder(ctx, waiting.ID, time.Now().Add(-review.ReminderDelay-time.Minute))
	})
	if err != nil {
		t.Fatal(err)
	}
	var m outbox.Message
	if err := tenants.DB(ctx).Where("task_type = ?", review.TaskRemind).Order("id DESC").Take(&m).Error; err != nil {
		t.Fatal(err)
	}
	if m.ProcessAt == nil || m.ProcessAt.After(time.Now()) {
		t.Fatalf("reminder due at %v", m.ProcessAt)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		var in notify.Inbox
		env.Client(t).In("sz").As(c.AccessToken).Get("/v1/inbox").OK().JSON(&in)
		if len(in.Items) > 0 && in.Items[0].Event == "review_reminder" {
			if in.Items[0].Data["order_no"] != waiting.OrderNo || !strings.Contains(in.Items[0].Body, waiting.OrderNo) {
				t.Fatalf("reminder: %+v", in.Items[0])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no reminder: %+v", in.Items)
		}
		time.Sleep(50 * time.Millisecond)
	}

	// A reviewed order, or one no longer reviewable, gets no reminder.
	cancelled := order(t, sh, c.AccountID, "cancelled", true)
	for _, id := range []int64{reviewed.ID, cancelled.ID, 999999999} {
		var before int64
		tenants.DB(ctx).Model(&outbox.Message{}).Where("task_type = ?", notify.TaskDeliver).Count(&before)
		if err := env.P.Reviews.HandleRemind(ctx, []byte(fmt.Sprintf(`{"order_id":%d}`, id))); err != nil {
			t.Fatal(err)
		}
		var after int64
		tenants.DB(ctx).Model(&outbox.Message{}).Where("task_type = ?", notify.TaskDeliver).Count(&after)
		if after != before {
			t.Fatalf("order %d: reminder queued", id)
		}
	}
}
