package apptest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"doorstep/app"
	"doorstep/app/catalog"
	"doorstep/app/geo"
	"doorstep/app/merchant"
	"doorstep/app/staff"
	"doorstep/tenants"
)

// Where fixture shops serve: 5 km around Shenzhen's Science Park.
var (
	ShopCenter = geo.Point{Lat: 22.5431, Lng: 113.9347}
	ShopInside = geo.Point{Lat: 22.5460, Lng: 113.9400} // ~600 m from the center
)

// Shop is a merchant inserted with the supply side's own models (no
// application, no review): open 08:00-20:00 every day within 5 km of
// ShopCenter, with a fixed-price item, a deposit item, staff and the
// owner's session.
type Shop struct {
	City        string
	Merchant    merchant.Merchant
	Item        catalog.ServiceItem // fixed price 128 yuan, 60 min, category cleaning, skill bit 1
	Deposit     catalog.ServiceItem // 100-500 yuan with 30 deposit, 120 min, category repair, skill bit 2
	Staff       []staff.Staff       // skills clean and repair (bits 1|2), 08:00-20:00 every day, not yet on duty
	StaffPhones []string            // of the staff members' accounts
	Owner       Person              // granted merchant_owner
}

// shopMu serializes fixture shops: they are written outside the services'
// transactions and tests run in parallel.
var shopMu sync.Mutex

// NewShop inserts a shop with nStaff staff members in a city.
func (e *Env) NewShop(t testing.TB, city string, nStaff int) *Shop {
	t.Helper()
	shopMu.Lock()
	defer shopMu.Unlock()
	ctx := e.CityCtx(t, city)
	now := time.Now().UTC()
	ownerID, ownerPhone := e.Account(t)
	hours := merchant.Hours{}
	for d := 0; d < 7; d++ {
		hours[d] = [2]int{8 * 60, 20 * 60}
	}
	sh := &Shop{City: city}
	sh.Merchant = merchant.Merchant{OwnerID: ownerID, Name: fmt.Sprintf("好家政%d", ownerID), LicenceNo: "91440300MA5", ContactName: "王经理",
		ContactPhoneEnc: []byte{1}, ContactPhoneMasked: "138****0000", Categories: []string{"cleaning"},
		Area: geo.Area{Center: ShopCenter, RadiusM: 5000}, OpeningHours: hours, Status: merchant.StatusActive, CreatedAt: now, UpdatedAt: now}
	Must(t, tenants.DB(ctx).Create(&sh.Merchant).Error)
	sh.Item = catalog.ServiceItem{MerchantID: sh.Merchant.ID, CategoryID: 1, CategoryCode: "daily_cleaning", Title: "日常保洁",
		Photos: []string{}, PriceModel: catalog.PriceFixed, PriceFen: 12800, Unit: "次", DurationMin: 60, Skills: []string{"clean"},
		SkillMask: 1, Status: catalog.ItemOn, CreatedAt: now, UpdatedAt: now}
	Must(t, tenants.DB(ctx).Create(&sh.Item).Error)
	sh.Deposit = catalog.ServiceItem{MerchantID: sh.Merchant.ID, CategoryID: 1, CategoryCode: "repair", Title: "水电维修",
		Photos: []string{}, PriceModel: catalog.PriceDeposit, PriceFen: 10000, PriceMaxFen: 50000, DepositFen: 3000, Unit: "次",
		DurationMin: 120, Skills: []string{"repair"}, SkillMask: 2, Status: catalog.ItemOn, CreatedAt: now, UpdatedAt: now}
	Must(t, tenants.DB(ctx).Create(&sh.Deposit).Error)
	for i := 0; i < nStaff; i++ {
		id, phone := e.Account(t)
		st := staff.Staff{MerchantID: sh.Merchant.ID, AccountID: id, DisplayName: fmt.Sprintf("师傅%d", id), Skills: []string{"clean", "repair"},
			SkillMask: 3, WorkStartMin: 8 * 60, WorkEndMin: 20 * 60, WorkDays: 127, Status: staff.StatusActive, CreatedAt: now, UpdatedAt: now}
		Must(t, tenants.DB(ctx).Create(&st).Error)
		sh.Staff = append(sh.Staff, st)
		sh.StaffPhones = append(sh.StaffPhones, phone)
	}
	e.Grant(t, ownerPhone, "city:"+city, app.RoleMerchantOwner, sh.Merchant.ID, 0)
	sh.Owner = Person{ID: ownerID, Phone: ownerPhone, Token: e.Token(t, ownerID, "city:"+city, app.RoleMerchantOwner, sh.Merchant.ID, 0)}
	return sh
}

// StaffSession is staff member i of the shop acting in the staff app with
// their own account (granted the role on first use).
func (e *Env) StaffSession(t testing.TB, sh *Shop, i int) Person {
	t.Helper()
	g := e.Grant(t, sh.StaffPhones[i], "city:"+sh.City, app.RoleStaff, sh.Merchant.ID, sh.Staff[i].ID)
	return Person{ID: g.AccountID, Phone: sh.StaffPhones[i], Token: e.Token(t, g.AccountID, "city:"+sh.City, app.RoleStaff, sh.Merchant.ID, sh.Staff[i].ID)}
}

// AddItem inserts another item of the shop: a copy of its fixed-price item
// changed by edit.
func (e *Env) AddItem(t testing.TB, sh *Shop, edit func(*catalog.ServiceItem)) catalog.ServiceItem {
	t.Helper()
	it := sh.Item
	it.ID = 0
	edit(&it)
	Must(t, tenants.DB(e.CityCtx(t, sh.City)).Create(&it).Error)
	return it
}
