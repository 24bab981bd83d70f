package notify_test

import (
	"fmt"
	"testing"

	"doorstep/app"
	"doorstep/app/account"
	"doorstep/app/apptest"
	"doorstep/app/notify"
)

func tell(t *testing.T, city string, accountID int64, orderNo string) {
	t.Helper()
	if err := env.P.Notify.Tell(cityCtx(t, city), accountID, "order_expired", map[string]string{"order_no": orderNo}, map[string]string{"order_no": orderNo}, city+orderNo); err != nil {
		t.Fatal(err)
	}
}

func TestInbox_NewestFirstPagedWithUnreadCountAndReadMarks(t *testing.T) {
	x := person(t, account.ProfileUpdate{})
	for i := 1; i <= 3; i++ {
		tell(t, "sz", x.AccountID, fmt.Sprintf("X%d", i))
		waitInbox(t, "sz", x.AccessToken, i) // one at a time, so the order is known
	}
	c := env.Client(t).In("sz").As(x.AccessToken)

	p1 := inbox(t, "sz", x.AccessToken, "?limit=2")
	if len(p1.Items) != 2 || p1.NextCursor == "" || p1.Unread != 3 {
		t.Fatalf("page 1: %d items, cursor %q, unread %d", len(p1.Items), p1.NextCursor, p1.Unread)
	}
	if p1.Items[0].Data["order_no"] != "X3" || p1.Items[1].Data["order_no"] != "X2" {
		t.Fatalf("not newest first: %+v", p1.Items)
	}
	p2 := inbox(t, "sz", x.AccessToken, "?limit=2&cursor="+p1.NextCursor)
	if len(p2.Items) != 1 || p2.NextCursor != "" || p2.Items[0].Data["order_no"] != "X1" {
		t.Fatalf("page 2: %+v", p2)
	}

	var n notify.Notification
	c.Post(fmt.Sprintf("/v1/inbox/%d/read", p1.Items[0].ID), nil).OK().JSON(&n)
	if n.ReadAt == nil || n.ID != p1.Items[0].ID {
		t.Fatalf("read: %+v", n)
	}
	c.Post(fmt.Sprintf("/v1/inbox/%d/read", p1.Items[0].ID), nil).OK() // again is fine
	if u := inbox(t, "sz", x.AccessToken, "").Unread; u != 2 {
		t.Fatalf("unread %d, want 2", u)
	}
	var all struct{ Marked int64 }
	c.Post("/v1/inbox/read-all", nil).OK().JSON(&all)
	if all.Marked != 2 {
		t.Fatalf("marked %d, want 2", all.Marked)
	}
	if u := inbox(t, "sz", x.AccessToken, "").Unread; u != 0 {
		t.Fatalf("unread %d, want 0", u)
	}
	env.Client(t).In("sz").Get("/v1/inbox").WantError(401, "unauthorized")
	c.Get("/v1/inbox?cursor=%%%").Want(400)
}

func TestInbox_AnotherPersonsNotificationIsNotFound(t *testing.T) {
	x := person(t, account.ProfileUpdate{})
	y := person(t, account.ProfileUpdate{})
	tell(t, "sz", x.AccountID, "PX")
	tell(t, "sz", y.AccountID, "PY")
	xs := waitInbox(t, "sz", x.AccessToken, 1)
	ys := waitInbox(t, "sz", y.AccessToken, 1)
	if len(xs.Items) != 1 || len(ys.Items) != 1 || xs.Items[0].Data["order_no"] != "PX" || ys.Items[0].Data["order_no"] != "PY" {
		t.Fatalf("inboxes mixed: x %+v, y %+v", xs.Items, ys.Items)
	}
	env.Client(t).In("sz").As(y.AccessToken).Post(fmt.Sprintf("/v1/inbox/%d/read", xs.Items[0].ID), nil).WantError(404, "notification_not_found")
	env.Client(t).In("sz").As(y.AccessToken).Post("/v1/inbox/read-all", nil).OK()
	if got := inbox(t, "sz", x.AccessToken, ""); got.Unread != 1 || got.Items[0].ReadAt != nil {
		t.Fatalf("y's read-all touched x's inbox: %+v", got)
	}
}

func TestInbox_ARowOfOneCityIsNotReachableInAnother(t *testing.T) {
	z := person(t, account.ProfileUpdate{})
	tell(t, "bj", z.AccountID, "BJ1")
	bj := waitInbox(t, "bj", z.AccessToken, 1)
	id := bj.Items[0].ID
	// Make sure the same id exists in sz too (someone else's row), so only
	// the city keeps them apart.
	for {
		other := person(t, account.ProfileUpdate{})
		tell(t, "sz", other.AccountID, "SZ")
		if waitInbox(t, "sz", other.AccessToken, 1).Items[0].ID >= id {
			break
		}
	}
	if got := inbox(t, "sz", z.AccessToken, ""); len(got.Items) != 0 || got.Unread != 0 {
		t.Fatalf("bj row shows in sz: %+v", got)
	}
	env.Client(t).In("sz").As(z.AccessToken).Post(fmt.Sprintf("/v1/inbox/%d/read", id), nil).WantError(404, "notification_not_found")
	if got := inbox(t, "bj", z.AccessToken, ""); got.Unread != 1 {
		t.Fatalf("bj unread %d, want 1", got.Unread)
	}
}

func TestInbox_StaffAndMerchantUsersHaveOneInTheirCityOnly(t *testing.T) {
	ph := nextPhone()
	env.Grant(t, ph, "city:sz", app.RoleStaff, 1, 1)
	s := env.Act(t, ph, "city:sz", app.RoleStaff)
	tell(t, "sz", s.AccountID, "ST1")
	got := waitInbox(t, "sz", s.AccessToken, 1)
	if got.Items[0].Data["order_no"] != "ST1" {
		t.Fatalf("staff inbox: %+v", got)
	}
	env.Client(t).In("bj").As(s.AccessToken).Get("/v1/inbox").WantError(403, "wrong_city")

	mp := apptest.Phone(int(30000000 + phone.Add(1)))
	env.Grant(t, mp, "city:sz", app.RoleMerchantOwner, 1, 0)
	m := env.Act(t, mp, "city:sz", app.RoleMerchantOwner)
	env.Client(t).In("sz").As(m.AccessToken).Post("/v1/inbox/read-all", nil).OK()
	env.Client(t).In("sz").As(m.AccessToken).Post(fmt.Sprintf("/v1/inbox/%d/read", got.Items[0].ID), nil).WantError(404, "notification_not_found")
}
