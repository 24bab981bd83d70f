package storefront_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	"doorstep/app"
	"doorstep/app/apptest"
	"doorstep/app/catalog"
	"doorstep/app/marketing"
	"doorstep/app/merchant/merchanttest"
	"doorstep/app/staff"
	"doorstep/app/storefront"
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

func nextPhone() string { return apptest.NewPhone() }

func must(t testing.TB, err error) { t.Helper(); apptest.Must(t, err) }

// shop is a merchant opened through the API with two items on shelf, a
// staff member and a claimable coupon.
type shop struct {
	merchanttest.Shop
	Items  []catalog.ServiceItem
	Staff  staff.View
	Coupon marketing.Coupon
}

func cityAdmin(t testing.TB, city string) *apptest.Client {
	t.Helper()
	return merchanttest.CityAdmin(t, env, city, nextPhone())
}

func openShop(t testing.TB, city string, admin *apptest.Client, name string) shop {
	t.Helper()
	s := shop{Shop: merchanttest.Open(t, env, city, admin, nextPhone(), name, merchanttest.Area)}
	for i, price := range []int64{8800, 12800} {
		s.Items = append(s.Items, merchanttest.AddItem(t, s.Owner, merchanttest.Item(fmt.Sprintf("%s保洁%d", name, i+1), price), true))
	}
	s.Staff = merchanttest.AddStaff(t, s.Owner, nextPhone(), name+"王师傅")
	s.Owner.Post("/v1/merchant/coupons", marketing.CouponInput{Title: name + "立减10", Kind: marketing.KindAmount, AmountFen: 1000, MinSpendFen: 5000,
		ValidTo: time.Now().Add(72 * time.Hour).UTC().Format(time.RFC3339)}).Want(201).JSON(&s.Coupon)
	return s
}

func customer(t testing.TB) *apptest.Client {
	t.Helper()
	phone := nextPhone()
	id, _, err := env.P.Accounts.FindOrInviteByPhone(context.Background(), phone, "")
	must(t, err)
	tok, _, err := env.P.Accounts.Tokens().Issue(id, "", app.RoleCustomer, 0, 0, 0)
	must(t, err)
	return env.Client(t).As(tok)
}

const shopPage = "/v1/merchant/pages/shop"

func draft(t testing.TB, c *apptest.Client, base string) storefront.DraftView {
	t.Helper()
	var d storefront.DraftView
	c.Get(base + "/draft").OK().JSON(&d)
	return d
}

func save(t testing.TB, c *apptest.Client, base string, version int64, doc storefront.Document) storefront.DraftView {
	t.Helper()
	var d storefront.DraftView
	c.Put(base+"/draft", storefront.DraftInput{DraftVersion: version, Document: doc}).OK().JSON(&d)
	return d
}

func publish(t testing.TB, c *apptest.Client, base string) storefront.DraftView {
	t.Helper()
	var d storefront.DraftView
	c.Post(base+"/publish", storefront.PublishInput{}).OK().JSON(&d)
	return d
}

// fieldErrors is a 400's field map.
func fieldErrors(t testing.TB, r *apptest.Resp) map[string]string {
	t.Helper()
	r.WantError(400, "invalid_input")
	var b struct {
		Error struct {
			Fields map[string]string `json:"fields"`
		} `json:"error"`
	}
	must(t, json.Unmarshal(r.Body, &b))
	return b.Error.Fields
}

func notice(text string) storefront.Component {
	return storefront.Component{Type: storefront.TypeNotice, Text: text, Level: "info"}
}

func publicPage(t testing.TB, c *apptest.Client, path string) storefront.Page {
	t.Helper()
	var p storefront.Page
	c.Get(path).OK().JSON(&p)
	return p
}

func block(p storefront.Page, typ string) (storefront.Block, bool) {
	for _, b := range p.Components {
		if b.Type == typ {
			return b, true
		}
	}
	return storefront.Block{}, false
}
