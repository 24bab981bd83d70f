package city_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"doorstep/app"
	"doorstep/app/apptest"
	"doorstep/app/booking"
	"doorstep/app/catalog"
	"doorstep/app/geo"
	"doorstep/app/merchant"
	"doorstep/app/pii"
	"doorstep/tenants"
)

var phones atomic.Int64

// nextPhone gives numbers no other test package uses (137 2xxx xxxx).
func nextPhone() string { return apptest.Phone(20_000_000 + int(phones.Add(1))) }

func cityCtx(t testing.TB, e *apptest.Env, code string) context.Context {
	t.Helper()
	c, err := e.P.Reg.Lookup(code)
	if err != nil {
		t.Fatal(err)
	}
	return tenants.WithCity(context.Background(), c)
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// account makes (or finds) the account of a fresh phone.
func account(t testing.TB) (int64, string) {
	t.Helper()
	phone := nextPhone()
	id, _, err := env.P.Accounts.FindOrInviteByPhone(context.Background(), phone, "")
	must(t, err)
	return id, phone
}

// session is a token acting in a role (customers: scope "").
func session(t testing.TB, scope, role string, merchantID, staffID int64) (int64, string) {
	t.Helper()
	id, phone := account(t)
	if role != app.RoleCustomer {
		env.Grant(t, phone, scope, role, merchantID, staffID)
	}
	tok, _, err := env.P.Accounts.Tokens().Issue(id, scope, role, merchantID, staffID, 0)
	must(t, err)
	return id, tok
}

func hqToken(t testing.TB) string {
	t.Helper()
	_, tok := session(t, "hq", app.RoleHQAdmin, 0, 0)
	return tok
}

func adminToken(t testing.TB, code string) string {
	t.Helper()
	_, tok := session(t, "city:"+code, app.RoleCityAdmin, 0, 0)
	return tok
}

// seedOrder writes an order straight into a city, sealed as booking seals
// it, created at the given time.
type seed struct {
	ID         int64 // 0: the next id
	City       string
	CustomerID int64
	MerchantID int64
	Status     string
	Phone      string
	Address    string
	At         time.Time
}

func seedOrder(t testing.TB, s seed) booking.Order {
	t.Helper()
	ctx := cityCtx(t, env, s.City)
	if s.Status == "" {
		s.Status = booking.StPendingPayment
	}
	if s.Phone == "" {
		s.Phone = "13912345678"
	}
	if s.Address == "" {
		s.Address = "广东省深圳市南山区科技园科苑路15号3栋1201"
	}
	if s.MerchantID == 0 {
		s.MerchantID = 1
	}
	box := env.P.Box
	o := booking.Order{ID: s.ID, OrderNo: fmt.Sprintf("%s%s%06d", upper(s.City), s.At.Format("0601021504"), phones.Add(1)%1000000), CustomerID: s.CustomerID,
		MerchantID: s.MerchantID, ServiceItemID: 1, Status: s.Status, SlotStart: s.At.Add(48 * time.Hour), SlotEnd: s.At.Add(49 * time.Hour),
		DurationMin: 60, Title: "日常保洁", CategoryCode: "daily_cleaning", AddressID: 1, ContactName: "张三",
		PhoneEnc: box.Seal(s.Phone), PhoneMasked: pii.MaskPhone(s.Phone), AddressEnc: box.Seal(s.Address), AddressMasked: pii.MaskAddress(s.Address),
		Lat: 22.54, Lng: 113.93, PriceModel: booking.PriceFixed, PriceFen: 12800, TotalFen: 12800, CreatedAt: s.At, UpdatedAt: s.At}
	must(t, tenants.DB(ctx).Create(&o).Error)
	return o
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// seedMerchant writes a merchant straight into a city.
func seedMerchant(t testing.TB, code, name string, at time.Time) merchant.Merchant {
	t.Helper()
	ctx := cityCtx(t, env, code)
	owner, _ := account(t)
	hours := merchant.Hours{}
	for d := 0; d < 7; d++ {
		hours[d] = [2]int{0, 24 * 60}
	}
	m := merchant.Merchant{OwnerID: owner, Name: name, LicenceNo: "91440300MA5", ContactName: "王经理",
		ContactPhoneEnc: env.P.Box.Seal("13800138000"), ContactPhoneMasked: pii.MaskPhone("13800138000"), Categories: []string{"cleaning"},
		Area: geo.Area{Center: center, RadiusM: 20000}, OpeningHours: hours, Status: merchant.StatusActive, CreatedAt: at, UpdatedAt: at}
	must(t, tenants.DB(ctx).Create(&m).Error)
	return m
}

var center = geo.Point{Lat: 22.5431, Lng: 113.9347}

// shop is a bookable merchant: one fixed-price item, open all day, serving
// 20 km around center.
type shop struct {
	City     string
	Merchant merchant.Merchant
	Item     catalog.ServiceItem
}

func newShop(t testing.TB, code string) shop {
	t.Helper()
	now := time.Now().UTC()
	sh := shop{City: code, Merchant: seedMerchant(t, code, "好家政"+code, now)}
	sh.Item = catalog.ServiceItem{MerchantID: sh.Merchant.ID, CategoryID: 1, CategoryCode: "daily_cleaning", Title: "日常保洁", Description: "",
		Photos: []string{}, PriceModel: catalog.PriceFixed, PriceFen: 12800, Unit: "次", DurationMin: 60, Skills: []string{"clean"},
		SkillMask: 1, Status: catalog.ItemOn, CreatedAt: now, UpdatedAt: now}
	must(t, tenants.DB(cityCtx(t, env, code)).Create(&sh.Item).Error)
	return sh
}

// customer is a signed-in customer with a saved address in a city.
type customer struct {
	ID      int64
	Token   string
	Address booking.Address
}

func newCustomer(t testing.TB, code string) customer {
	t.Helper()
	id, tok := session(t, "", app.RoleCustomer, 0, 0)
	c := customer{ID: id, Token: tok}
	env.Client(t).In(code).As(tok).Post("/v1/addresses", booking.AddressInput{Label: "家", ContactName: "张三", Phone: "13912345678",
		Address: "广东省深圳市南山区科技园科苑路15号3栋1201", District: "南山区", Lat: 22.5460, Lng: 113.9400}).Want(201).JSON(&c.Address)
	return c
}

var slotDay atomic.Int64

// bookIn asks to book the shop's item for the customer through the API
// (a fresh slot each time) and returns the answer.
func bookIn(t testing.TB, sh shop, cu customer) *apptest.Resp {
	t.Helper()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	d := time.Now().In(loc).AddDate(0, 0, 2+int(slotDay.Add(1)%20))
	slot := time.Date(d.Year(), d.Month(), d.Day(), 10, 0, 0, 0, loc).Format("2006-01-02T15:04")
	return env.Client(t).In(sh.City).As(cu.Token).Post("/v1/orders", booking.BookInput{ServiceItemID: sh.Item.ID, SlotStart: slot, AddressID: cu.Address.ID})
}
