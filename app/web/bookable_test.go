package web_test

import (
	"fmt"
	"testing"

	"doorstep/app/apptest"
	"doorstep/app/booking"
	"doorstep/app/merchant/merchanttest"
)

// Booking reads items and shops through the catalog's cache; every change
// a merchant or the city makes through the API is honoured by the very next
// booking: off shelf, a suspended shop, and back again.
func TestBookable_ChangesTakeEffectForTheNextBooking(t *testing.T) {
	e := apptest.New(t, apptest.Cities("sz"))
	admin := merchanttest.CityAdmin(t, e, "sz", apptest.NewPhone())
	shop := merchanttest.Open(t, e, "sz", admin, apptest.NewPhone(), "即时生效家政", merchanttest.Area, "housekeeping")
	item := merchanttest.AddItem(t, shop.Owner, merchanttest.Item("即时生效保洁", 10000), true)

	cust := e.Customer(t)
	addr := e.Address(t, "sz", cust, merchanttest.Shenzhen)
	c := e.ClientAs(t, "sz", cust)
	in := func(days int) booking.BookInput {
		return booking.BookInput{ServiceItemID: item.ID, SlotStart: apptest.SlotAt(days, 10, 0), AddressID: addr.ID}
	}
	c.Post("/v1/orders/quote", in(2)).OK() // warms the cache with the item and the shop

	shop.Owner.Post(fmt.Sprintf("/v1/merchant/items/%d/off-shelf", item.ID), nil).OK()
	c.Post("/v1/orders/quote", in(2)).WantError(422, "item_unavailable")
	c.Post("/v1/orders", in(2)).WantError(422, "item_unavailable")
	shop.Owner.Post(fmt.Sprintf("/v1/merchant/items/%d/on-shelf", item.ID), nil).OK()
	c.Post("/v1/orders", in(2)).Want(201)

	admin.Post(fmt.Sprintf("/v1/admin/merchants/%d/suspend", shop.ID), map[string]string{"reason": "资质复核"}).OK()
	c.Post("/v1/orders", in(3)).WantError(422, "merchant_unavailable")
	admin.Post(fmt.Sprintf("/v1/admin/merchants/%d/resume", shop.ID), nil).OK()
	c.Post("/v1/orders", in(3)).Want(201)
}
