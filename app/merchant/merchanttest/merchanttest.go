// Package merchanttest opens shops, services and staff through the HTTP API
// exactly as people do (apply, approve, sign in, act), for tests of any
// package that needs supply. It is imported by tests only.
package merchanttest

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"doorstep/app"
	"doorstep/app/account"
	"doorstep/app/apptest"
	"doorstep/app/catalog"
	"doorstep/app/geo"
	"doorstep/app/merchant"
	"doorstep/app/staff"
)

// Shenzhen is a point in Nanshan, Shenzhen; Area is a 20 km circle round it.
var (
	Shenzhen = geo.Point{Lat: 22.5431, Lng: 113.9298}
	Area     = geo.Area{Center: Shenzhen, RadiusM: 20000}
)

// Shop is a merchant opened through the API, with its owner acting for it.
type Shop struct {
	ID         int64
	City       string
	OwnerPhone string
	Owner      *apptest.Client // acting as merchant_owner of this shop
	Merchant   merchant.Merchant
}

// CityAdmin returns a client acting as city_admin of city (phone gets the role).
func CityAdmin(t testing.TB, e *apptest.Env, city, phone string) *apptest.Client {
	t.Helper()
	e.Grant(t, phone, "city:"+city, app.RoleCityAdmin, 0, 0)
	s := Act(t, e, phone, "city:"+city, app.RoleCityAdmin)
	return e.Client(t).In(city).As(s.AccessToken)
}

var codeRe = regexp.MustCompile(`\d{6}`)

type sandboxSMS struct {
	ID       int64  `json:"id"`
	Template string `json:"template"`
	Body     string `json:"body"`
}

func inbox(t testing.TB, e *apptest.Env, phone string) []sandboxSMS {
	var msgs []sandboxSMS
	e.Client(t).Get("/v1/sandbox/sms?phone=" + phone).OK().JSON(&msgs)
	return msgs
}

// SignIn signs phone in with an SMS code, as apptest.Env.SignIn does, but
// looks for the code among every message newer than its request: shops and
// staff get notices texted to the same phone (merchant_application,
// staff_invited), and one landing after the code must not hide it.
func SignIn(t testing.TB, e *apptest.Env, phone string) account.Session {
	t.Helper()
	var before int64
	if msgs := inbox(t, e, phone); len(msgs) > 0 {
		before = msgs[0].ID
	}
	c := e.Client(t)
	c.Post("/v1/auth/sms-code", map[string]string{"phone": phone}).OK()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		for _, m := range inbox(t, e, phone) {
			if m.ID > before && strings.HasPrefix(m.Template, "code_login") {
				if code := codeRe.FindString(m.Body); code != "" {
					var s account.Session
					c.Post("/v1/auth/login/sms", map[string]string{"phone": phone, "code": code}).OK().JSON(&s)
					return s
				}
			}
		}
		time.Sleep(30 * time.Millisecond)
	}
	t.Fatalf("no sign-in code reached %s", phone)
	return account.Session{}
}

// Act signs phone in and switches to its grant of role in domain.
func Act(t testing.TB, e *apptest.Env, phone, domain, role string) account.Session {
	t.Helper()
	s := SignIn(t, e, phone)
	for _, g := range s.Grants {
		if g.Domain == domain && g.Role == role {
			var out account.Session
			e.Client(t).As(s.AccessToken).Post("/v1/auth/switch", map[string]int64{"grant_id": g.ID}).OK().JSON(&out)
			return out
		}
	}
	t.Fatalf("%s holds no %s in %s (grants %+v)", phone, role, domain, s.Grants)
	return account.Session{}
}

// Licence is a licence number made from a phone number (without showing it).
func Licence(phone string) string {
	b := []byte(phone)
	for i, c := range b {
		if c >= '0' && c <= '9' {
			b[i] = '9' - c + '0'
		}
	}
	return "91440300" + string(b)
}

// Application is a valid application for phone.
func Application(phone, name string, area geo.Area, categories ...string) merchant.ApplicationInput {
	if len(categories) == 0 {
		categories = []string{"housekeeping"}
	}
	return merchant.ApplicationInput{Name: name, LicenceNo: Licence(phone), LicenceURL: "https://img.example.com/licence/" + Licence(phone) + ".jpg",
		ContactName: "张经理", ContactPhone: phone, Categories: categories, Area: area, Intro: name + "，专业上门服务。"}
}

// Open has phone apply for a shop in city and admin approve it, then signs
// the owner in acting for the new merchant.
func Open(t testing.TB, e *apptest.Env, city string, admin *apptest.Client, phone, name string, area geo.Area, categories ...string) Shop {
	t.Helper()
	cust := SignIn(t, e, phone)
	var ap merchant.Application
	e.Client(t).In(city).As(cust.AccessToken).Post("/v1/merchant-applications", Application(phone, name, area, categories...)).Want(201).JSON(&ap)
	var ok merchant.Approval
	admin.Post(fmt.Sprintf("/v1/admin/merchant-applications/%d/approve", ap.ID), map[string]string{"note": "资料齐全"}).OK().JSON(&ok)
	owner := Act(t, e, phone, "city:"+city, app.RoleMerchantOwner)
	return Shop{ID: ok.Merchant.ID, City: city, OwnerPhone: phone, Owner: e.Client(t).In(city).As(owner.AccessToken), Merchant: ok.Merchant}
}

// Item is a fixed-price cleaning service at price fen.
func Item(title string, price int64) catalog.ItemInput {
	return catalog.ItemInput{CategoryCode: "daily_cleaning", Title: title, Description: title + "，含工具耗材。", Photos: []string{"https://img.example.com/i/1.jpg"},
		PriceModel: catalog.PriceFixed, PriceFen: price, Unit: "次", DurationMin: 120, Skills: []string{"cleaning"}}
}

// AddItem creates an item through the owner and, if shelve, puts it on shelf.
func AddItem(t testing.TB, owner *apptest.Client, in catalog.ItemInput, shelve bool) catalog.ServiceItem {
	t.Helper()
	var it catalog.ServiceItem
	owner.Post("/v1/merchant/items", in).Want(201).JSON(&it)
	if shelve {
		owner.Post(fmt.Sprintf("/v1/merchant/items/%d/on-shelf", it.ID), nil).OK().JSON(&it)
	}
	return it
}

// AddStaff invites phone to the owner's staff with skills, working 08:00-20:00 every day.
func AddStaff(t testing.TB, owner *apptest.Client, phone, name string, skills ...string) staff.View {
	t.Helper()
	if len(skills) == 0 {
		skills = []string{"cleaning"}
	}
	var v staff.View
	owner.Post("/v1/merchant/staff", staff.Input{Phone: phone, DisplayName: name, PhotoURL: "https://img.example.com/s/" + phone + ".jpg",
		Bio: "认真负责", YearsExperience: 3, Skills: skills, WorkStart: "08:00", WorkEnd: "20:00"}).Want(201).JSON(&v)
	return v
}
