package marketing_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"doorstep/app"
	"doorstep/app/booking"
	"doorstep/app/marketing"
	"doorstep/tenants"
)

func rewardsOf(t testing.TB, city string, accountID int64) []marketing.CustomerCoupon {
	t.Helper()
	var out []marketing.CustomerCoupon
	must(t, tenants.DB(cityCtx(t, city)).Where("account_id = ? AND source = ?", accountID, marketing.SourceReferral).Find(&out).Error)
	return out
}

func TestReferral_BothGetTheRewardOnceAfterTheInviteesFirstCompletedOrder(t *testing.T) {
	admin := cityAdmin(t, "sz")
	s := openShop(t, "sz", admin, "邀请家政")
	in := couponIn("邀请有礼", 1000)
	in.Claimable = new(bool)
	reward := createCoupon(t, admin, "/v1/admin/coupons", in)
	var set marketing.ReferralSettings
	admin.Put("/v1/admin/marketing/referral", marketing.ReferralSettings{CouponID: reward.ID}).OK().JSON(&set)
	if set.CouponID != reward.ID || set.Coupon == nil || set.Coupon.Title != "邀请有礼" {
		t.Fatalf("referral settings: %+v", set)
	}

	referrer := newCustomer(t)
	var code marketing.Referral
	env.Client(t).As(referrer.Token).Get("/v1/me/referral").OK().JSON(&code)
	var again marketing.Referral
	env.Client(t).As(referrer.Token).Get("/v1/me/referral").OK().JSON(&again)
	if len(code.Code) != 8 || again.Code != code.Code {
		t.Fatalf("referral code %q then %q", code.Code, again.Code)
	}
	env.Client(t).As(referrer.Token).Post("/v1/me/referrer", marketing.ReferrerInput{Code: code.Code}).WantError(400, "self_referral")

	invitee := newCustomer(t)
	ic := env.Client(t).As(invitee.Token)
	ic.Post("/v1/me/referrer", marketing.ReferrerInput{Code: "NOPE2345"}).WantError(404, "referral_code_not_found")
	var ref marketing.ReferrerSet
	ic.Post("/v1/me/referrer", marketing.ReferrerInput{Code: " " + code.Code[:4] + " " + code.Code[4:] + " "}).OK().JSON(&ref)
	if ref.ReferrerID != referrer.ID {
		t.Fatalf("referrer %d, want %d", ref.ReferrerID, referrer.ID)
	}
	ic.Post("/v1/me/referrer", marketing.ReferrerInput{Code: code.Code}).WantError(409, "referrer_already_set")
	env.Client(t).As(referrer.Token).Get("/v1/me/referral").OK().JSON(&again)
	if again.Invited != 1 {
		t.Fatalf("invited %d, want 1", again.Invited)
	}

	addr := address(t, "sz", invitee)
	first := completeOrder(t, "sz", s, invitee, addr, 2)
	eventually(t, "the referral reward for both", func() bool {
		return len(rewardsOf(t, "sz", invitee.ID)) == 1 && len(rewardsOf(t, "sz", referrer.ID)) == 1
	})
	got := mine(t, "sz", referrer, "available")
	if len(got) != 1 || got[0].Source != marketing.SourceReferral || got[0].Coupon.ID != reward.ID {
		t.Fatalf("referrer's coupons: %+v", got)
	}

	// The second completed order rewards nobody; the job running again for
	// either order changes nothing.
	second := completeOrder(t, "sz", s, invitee, addr, 3)
	if second.DiscountFen != 1000 || second.CouponID != rewardsOf(t, "sz", invitee.ID)[0].ID {
		t.Fatalf("the invitee's reward coupon was not applied to the next order: %+v", second)
	}
	ctx := app.WithActor(cityCtx(t, "sz"), app.System)
	for _, id := range []int64{first.ID, second.ID, first.ID} {
		b, _ := json.Marshal(marketing.ReferralPayload{OrderID: id})
		must(t, env.P.Marketing.HandleReferral(ctx, b))
	}
	time.Sleep(500 * time.Millisecond) // let any queued job land
	if n, m := len(rewardsOf(t, "sz", invitee.ID)), len(rewardsOf(t, "sz", referrer.ID)); n != 1 || m != 1 {
		t.Fatalf("after a second order: invitee %d, referrer %d reward coupons; want 1 each", n, m)
	}
	var rows int64
	must(t, tenants.DB(ctx).Model(&marketing.ReferralReward{}).Where("invitee_id = ?", invitee.ID).Count(&rows).Error)
	if rows != 1 || couponRow(t, "sz", reward.ID).IssuedCount != 2 {
		t.Fatalf("%d reward rows, issued %d; want 1 and 2", rows, couponRow(t, "sz", reward.ID).IssuedCount)
	}
}

func TestReferral_CodeOnlyBeforeTheFirstOrderAnywhere(t *testing.T) {
	admin := cityAdmin(t, "bj")
	s := openShop(t, "bj", admin, "北京家政")
	referrer := newCustomer(t)
	var code marketing.Referral
	env.Client(t).As(referrer.Token).Get("/v1/me/referral").OK().JSON(&code)

	late := newCustomer(t)
	addr := address(t, "bj", late)
	book(t, "bj", late, booking.BookInput{ServiceItemID: s.Item.ID, SlotStart: slotAt(2, 10, 0), AddressID: addr.ID})
	// The order is in bj; the code is entered without a city: still too late.
	env.Client(t).As(late.Token).Post("/v1/me/referrer", marketing.ReferrerInput{Code: code.Code}).WantError(409, "referral_too_late")
	var n int64
	must(t, env.P.Reg.HQ(context.Background()).Table(env.P.Reg.HQTable("accounts")).Where("id = ? AND referrer_id IS NOT NULL", late.ID).Count(&n).Error)
	if n != 0 {
		t.Fatal("a referrer was recorded after the first order")
	}
}
