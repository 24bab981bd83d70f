package demo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"doorstep/app"
	"doorstep/app/booking"
	"doorstep/app/catalog"
	"doorstep/app/city"
	"doorstep/app/geo"
	"doorstep/app/marketing"
	"doorstep/app/merchant"
	"doorstep/app/platform"
	"doorstep/app/review"
	"doorstep/app/staff"
	"doorstep/app/storefront"
	"doorstep/rbac"
	"doorstep/tenants"
)

// DemoPassword is the password of every demo person.
const DemoPassword = "Demo1234"

// The demo world: two cities, each with shops across the main categories,
// staff on duty around the city centre, customers with addresses, and a
// history of completed, reviewed orders so ratings and figures are real.
type shopDef struct {
	owner, name, licence string
	categories           []string
	centre               geo.Point
	items                []catalog.ItemInput
	staff                []staffDef
}

type staffDef struct {
	phone, name string
	years       int
	skills      []string
	cert        string // a certification to add and verify ("" none)
	at          geo.Point
}

type cityDef struct {
	code, name, en, admin string
	centre                geo.Point
	shops                 []shopDef
	customers             []customerDef
}

type customerDef struct {
	phone, name, address, district string
	at                             geo.Point
}

func fixed(cat, title, desc string, fen int64, minutes int, skills ...string) catalog.ItemInput {
	return catalog.ItemInput{CategoryCode: cat, Title: title, Description: desc, PriceModel: "fixed", PriceFen: fen, DurationMin: minutes, Skills: skills,
		Photos: []string{"https://img.doorstep.example/" + cat + ".jpg"}}
}

func deposit(cat, title, desc string, dep, min, max int64, minutes int, skills ...string) catalog.ItemInput {
	return catalog.ItemInput{CategoryCode: cat, Title: title, Description: desc, PriceModel: "deposit", DepositFen: dep, PriceFen: min, PriceMaxFen: max,
		DurationMin: minutes, Skills: skills, Photos: []string{"https://img.doorstep.example/" + cat + ".jpg"}}
}

func near(c geo.Point, dlat, dlng float64) geo.Point {
	return geo.Point{Lat: c.Lat + dlat, Lng: c.Lng + dlng}
}

var szCentre = geo.Point{Lat: 22.5431, Lng: 114.0579} // 福田
var bjCentre = geo.Point{Lat: 39.9087, Lng: 116.3975} // 东城

var world = []cityDef{
	{code: "sz", name: "深圳", en: "Shenzhen", admin: "13800000002", centre: szCentre,
		shops: []shopDef{
			{owner: "13700000101", name: "洁净家政服务（深圳）", licence: "91440300MA5DEMO001", categories: []string{"housekeeping"}, centre: szCentre,
				items: []catalog.ItemInput{
					fixed("daily_cleaning", "日常保洁 2小时", "厨房、卫生间、客厅、卧室日常清洁，自带工具和清洁剂。", 12000, 120, "cleaning"),
					fixed("deep_cleaning", "深度保洁 4小时", "油烟机、灶台、卫浴除垢，玻璃擦拭，全屋深度清洁。", 32800, 240, "deep_cleaning"),
					deposit("deep_cleaning", "新居开荒保洁", "装修后开荒，按面积计价，上门评估后确定最终价格。", 5000, 30000, 80000, 300, "deep_cleaning"),
				},
				staff: []staffDef{
					{"13600000101", "王阿姨", 8, []string{"cleaning", "deep_cleaning"}, "健康证", near(szCentre, 0.004, 0.003)},
					{"13600000102", "李阿姨", 5, []string{"cleaning"}, "健康证", near(szCentre, -0.006, 0.010)},
					{"13600000103", "张师傅", 3, []string{"cleaning", "deep_cleaning"}, "", near(szCentre, 0.012, -0.008)},
				}},
			{owner: "13700000102", name: "快修家电维修中心", licence: "91440300MA5DEMO002", categories: []string{"repair", "plumbing"}, centre: near(szCentre, 0.01, -0.02),
				items: []catalog.ItemInput{
					fixed("ac_repair", "空调清洗（挂机）", "拆洗过滤网、蒸发器杀菌清洗，清洗后试机。", 8900, 60, "ac_repair"),
					deposit("ac_repair", "空调维修", "不制冷、漏水、异响等故障上门检测维修，配件另计。", 3000, 8000, 50000, 90, "ac_repair"),
					deposit("washer_repair", "洗衣机维修", "不脱水、不进水、漏水等故障上门维修。", 3000, 6000, 40000, 90, "appliance_repair"),
					fixed("pipe_unclog", "管道疏通", "厨房、卫生间下水道疏通，不通不收费。", 12000, 60, "plumbing"),
				},
				staff: []staffDef{
					{"13600000111", "陈师傅", 10, []string{"ac_repair", "appliance_repair"}, "制冷设备维修证", near(szCentre, 0.008, -0.015)},
					{"13600000112", "赵师傅", 6, []string{"plumbing", "appliance_repair"}, "", near(szCentre, -0.010, -0.020)},
				}},
			{owner: "13700000103", name: "康乐按摩推拿馆", licence: "91440300MA5DEMO003", categories: []string{"massage"}, centre: near(szCentre, -0.01, 0.02),
				items: []catalog.ItemInput{
					fixed("foot_massage", "足疗按摩 60分钟", "中药泡脚加足底反射区按摩，舒缓疲劳。", 16800, 60, "foot_massage"),
					fixed("tuina", "中医推拿 90分钟", "肩颈腰背推拿，缓解久坐劳损。", 23800, 90, "tuina"),
				},
				staff: []staffDef{
					{"13600000121", "刘技师", 7, []string{"foot_massage", "tuina"}, "保健按摩师证", near(szCentre, -0.008, 0.018)},
				}},
			{owner: "13700000104", name: "萌宠上门洗护", licence: "91440300MA5DEMO004", categories: []string{"petcare"}, centre: near(szCentre, 0.02, 0.01),
				items: []catalog.ItemInput{fixed("pet_grooming", "猫咪上门洗护", "洗澡、吹干、修剪指甲、清洁耳朵，自带设备。", 12800, 90, "pet_grooming")},
				staff: []staffDef{{"13600000131", "周美容师", 4, []string{"pet_grooming"}, "", near(szCentre, 0.018, 0.012)}}},
		},
		customers: []customerDef{
			{"13900000001", "小王", "福田区福华路88号中心城公寓A座1203", "福田区", near(szCentre, 0.002, 0.002)},
			{"13900000002", "小李", "南山区科苑路15号科兴科学园B栋", "南山区", near(szCentre, 0.003, -0.05)},
		}},
	{code: "bj", name: "北京", en: "Beijing", admin: "13800000003", centre: bjCentre,
		shops: []shopDef{
			{owner: "13700000201", name: "京城好管家", licence: "91110000MA0DEMO201", categories: []string{"housekeeping", "nursing"}, centre: bjCentre,
				items: []catalog.ItemInput{
					fixed("daily_cleaning", "日常保洁 3小时", "全屋日常清洁，自带工具。", 15900, 180, "cleaning"),
					fixed("elder_care", "老人陪护（半天）", "陪伴聊天、协助用餐、散步，持证护理员。", 19800, 240, "elder_care"),
				},
				staff: []staffDef{
					{"13600000201", "孙阿姨", 12, []string{"cleaning", "elder_care"}, "养老护理员证", near(bjCentre, 0.005, 0.004)},
					{"13600000202", "钱阿姨", 6, []string{"cleaning"}, "健康证", near(bjCentre, -0.007, 0.009)},
				}},
			{owner: "13700000202", name: "师傅到家维修", licence: "91110000MA0DEMO202", categories: []string{"repair", "plumbing"}, centre: near(bjCentre, 0.01, 0.01),
				items: []catalog.ItemInput{
					fixed("pipe_unclog", "下水道疏通", "厨卫下水道疏通，不通不收费。", 10000, 60, "plumbing"),
					deposit("washer_repair", "洗衣机维修", "上门检测维修，报价后施工。", 3000, 5000, 35000, 90, "appliance_repair"),
				},
				staff: []staffDef{{"13600000211", "吴师傅", 9, []string{"plumbing", "appliance_repair"}, "", near(bjCentre, 0.012, 0.008)}}},
		},
		customers: []customerDef{
			{"13900000003", "老周", "东城区东直门南大街5号中青旅大厦", "东城区", near(bjCentre, 0.003, 0.003)},
		}},
}

type seeder struct {
	p      *platform.Platform
	ctx    context.Context
	logins []Login
}

func (s *seeder) person(who, phone, name, note string) (int64, error) {
	id, _, err := s.p.Accounts.FindOrInviteByPhone(s.ctx, phone, name)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", who, err)
	}
	if err := s.p.Accounts.EnsurePassword(s.ctx, id, DemoPassword); err != nil {
		return 0, err
	}
	if note != "" {
		s.logins = append(s.logins, Login{Who: who, Phone: phone, Note: note})
	}
	return id, nil
}

func (s *seeder) in(c *tenants.City, a app.Actor) context.Context {
	return app.WithActor(tenants.WithCity(s.ctx, c), a)
}

// Seed creates the demo world once; running it again changes nothing.
func Seed(ctx context.Context, p *platform.Platform) ([]Login, error) {
	s := &seeder{p: p, ctx: app.WithActor(ctx, app.System)}
	hq, err := s.person("HQ admin 总部", "13800000001", "总部管理员", "grant hq_admin")
	if err != nil {
		return nil, err
	}
	if _, err := p.RBAC.AddGrant(ctx, rbac.Grant{AccountID: hq, Domain: "hq", Role: app.RoleHQAdmin}); err != nil {
		return nil, err
	}
	for _, cd := range world {
		if err := s.city(cd); err != nil {
			return nil, fmt.Errorf("demo city %s: %w", cd.code, err)
		}
	}
	return s.logins, nil
}

func (s *seeder) city(cd cityDef) error {
	p := s.p
	if _, err := p.Cities.Create(s.ctx, city.CreateInput{Code: cd.code, Name: cd.name, NameEN: cd.en, Zone: "Asia/Shanghai"}); err != nil && !errors.Is(err, city.ErrCityExists) {
		return err
	}
	c, err := p.Reg.Lookup(cd.code)
	if err != nil {
		return err
	}
	adminID, err := s.person(cd.name+" city admin 分站", cd.admin, cd.name+"分站管理员", "grant city_admin @ city:"+cd.code)
	if err != nil {
		return err
	}
	if _, err := p.RBAC.AddGrant(s.ctx, rbac.Grant{AccountID: adminID, Domain: c.Domain(), Role: app.RoleCityAdmin}); err != nil {
		return err
	}
	admin := s.in(c, app.Actor{AccountID: adminID, Role: app.RoleCityAdmin, Scope: c.Domain()})
	cctx := tenants.WithCity(s.ctx, c)
	var marks, shopsThere int64
	if err := tenants.DB(cctx).Table(tenants.Table(cctx, "settings")).Where("name = ?", seededMark).Count(&marks).Error; err != nil {
		return err
	}
	if err := tenants.DB(cctx).Model(&merchant.Merchant{}).Count(&shopsThere).Error; err != nil {
		return err
	}
	seeded := marks > 0 // the world is there already: only list the sign-ins
	if !seeded && shopsThere > 0 {
		return fmt.Errorf("the demo data of %s is incomplete (an earlier run stopped while seeding): run `doorstep demo --reset`", c.Schema)
	}
	var shops []seededShop
	for i, sd := range cd.shops {
		note := ""
		if i == 0 {
			note = "grant merchant_owner: " + sd.name
		}
		ownerID, err := s.person(cd.name+" merchant owner", sd.owner, sd.name+"店主", note)
		if err != nil {
			return err
		}
		if seeded {
			for j, st := range sd.staff {
				if i == 0 && j == 0 {
					s.logins = append(s.logins, Login{Who: cd.name + " staff " + st.name, Phone: st.phone, Note: "grant staff: takes jobs"})
				}
			}
			continue
		}
		shop, err := s.shop(c, admin, ownerID, sd, i == 0)
		if err != nil {
			return fmt.Errorf("shop %s: %w", sd.name, err)
		}
		shops = append(shops, shop)
	}
	var customers []seededCustomer
	for i, cu := range cd.customers {
		note := ""
		if i == 0 {
			note = "a customer: browse, book and pay"
		}
		id, err := s.person(cd.name+" customer "+cu.name, cu.phone, cu.name, note)
		if err != nil {
			return err
		}
		if seeded {
			continue
		}
		cctx := s.in(c, app.Actor{AccountID: id, Role: app.RoleCustomer})
		addr, err := p.Booking.CreateAddress(cctx, booking.AddressInput{Label: "家", ContactName: cu.name, Phone: cu.phone, Address: cu.address,
			District: cu.district, Lat: cu.at.Lat, Lng: cu.at.Lng, IsDefault: true})
		if err != nil {
			return fmt.Errorf("address of %s: %w", cu.name, err)
		}
		customers = append(customers, seededCustomer{ctx: cctx, id: id, address: addr, at: cu.at})
	}
	if seeded {
		s.logins = append(s.logins, Login{Who: cd.name + " dispatcher", Phone: dispatcherPhone(cd.code), Note: "grant merchant_dispatcher: dispatch board"})
		return nil
	}
	if err := s.marketing(c, admin, shops); err != nil {
		return fmt.Errorf("marketing: %w", err)
	}
	if err := s.history(c, shops, customers); err != nil {
		return err
	}
	return tenants.DB(cctx).Exec("INSERT INTO "+tenants.Table(cctx, "settings")+" (name, value, updated_at) VALUES (?, 'true', ?)", seededMark, time.Now().UTC()).Error
}

// seededMark is the city setting that says the demo world is complete.
const seededMark = "demo.seeded"

type seededShop struct {
	id       int64
	owner    context.Context
	items    []catalog.ServiceItem
	staff    []staff.View
	staffCtx map[int64]context.Context
	staffAt  map[int64]geo.Point
}

type seededCustomer struct {
	ctx     context.Context
	id      int64
	address booking.Address
	at      geo.Point
}

func (s *seeder) shop(c *tenants.City, admin context.Context, ownerID int64, sd shopDef, first bool) (seededShop, error) {
	p := s.p
	applicant := s.in(c, app.Actor{AccountID: ownerID, Role: app.RoleCustomer})
	appl, err := p.Merchants.Apply(applicant, merchant.ApplicationInput{Name: sd.name, LicenceNo: sd.licence, LicenceURL: "https://img.doorstep.example/licence/" + sd.licence + ".jpg",
		ContactName: sd.name + "店主", ContactPhone: sd.owner, Categories: sd.categories, Area: geo.Area{Center: sd.centre, RadiusM: 25000},
		Intro: sd.name + "：持证上岗，准时上门，服务不满意可售后。"})
	if err != nil {
		return seededShop{}, fmt.Errorf("apply: %w", err)
	}
	approved, err := p.Merchants.Approve(admin, appl.ID, "资料齐全，准予入驻")
	if err != nil {
		return seededShop{}, fmt.Errorf("approve: %w", err)
	}
	mid := approved.Merchant.ID
	owner := s.in(c, app.Actor{AccountID: ownerID, Role: app.RoleMerchantOwner, Scope: c.Domain(), MerchantID: mid})
	out := seededShop{id: mid, owner: owner, staffCtx: map[int64]context.Context{}, staffAt: map[int64]geo.Point{}}
	for _, in := range sd.items {
		it, err := p.Catalog.CreateItem(owner, in)
		if err != nil {
			return out, fmt.Errorf("item %s: %w", in.Title, err)
		}
		if it, err = p.Catalog.SetShelf(owner, it.ID, true); err != nil {
			return out, fmt.Errorf("shelve %s: %w", in.Title, err)
		}
		out.items = append(out.items, it)
	}
	for j, sf := range sd.staff {
		note := ""
		if first && j == 0 {
			note = "grant staff: takes jobs"
		}
		if _, err := s.person(c.Name+" staff "+sf.name, sf.phone, sf.name, note); err != nil {
			return out, err
		}
		v, err := p.Staff.Invite(owner, staff.Input{Phone: sf.phone, DisplayName: sf.name, YearsExperience: sf.years, Skills: sf.skills,
			PhotoURL: "https://img.doorstep.example/staff/" + sf.phone + ".jpg", Bio: fmt.Sprintf("从业%d年，认真负责，守时守信。", sf.years)})
		if err != nil {
			return out, fmt.Errorf("staff %s: %w", sf.name, err)
		}
		if sf.cert != "" {
			cv, err := p.Staff.AddCertification(owner, v.ID, staff.CertInput{Name: sf.cert, Issuer: c.Name + "市人力资源和社会保障局",
				DocumentURL: "https://img.doorstep.example/certs/" + sf.phone + ".jpg", ExpiresOn: time.Now().AddDate(2, 0, 0).Format("2006-01-02")})
			if err != nil {
				return out, fmt.Errorf("certificate of %s: %w", sf.name, err)
			}
			if _, err := p.Staff.Verify(owner, v.ID, cv.ID, staff.VerifyInput{Approve: true, Note: "证件真实有效"}); err != nil {
				return out, err
			}
		}
		sctx := s.in(c, app.Actor{AccountID: v.AccountID, Role: app.RoleStaff, Scope: c.Domain(), MerchantID: mid, StaffID: v.ID})
		if _, err := p.Staff.SetLocation(sctx, sf.at.Lat, sf.at.Lng); err != nil {
			return out, err
		}
		if _, err := p.Staff.SetDuty(sctx, true); err != nil {
			return out, err
		}
		out.staff = append(out.staff, v)
		out.staffCtx[v.ID] = sctx
		out.staffAt[v.ID] = sf.at
	}
	return out, nil
}

// history books, pays (through the sandbox gateway's signed notification),
// serves and reviews a few orders per shop, as the people involved would.
func (s *seeder) history(c *tenants.City, shops []seededShop, customers []seededCustomer) error {
	if len(customers) == 0 {
		return nil
	}
	reviews := []review.CreateInput{
		{Overall: 5, Punctuality: 5, Skill: 5, Attitude: 5, Content: "阿姨非常细心，厨房油污清理得很干净，准时到达，下次还约！"},
		{Overall: 4, Punctuality: 5, Skill: 4, Attitude: 5, Content: "服务不错，态度很好，就是时间稍微超了一点。"},
		{Overall: 5, Punctuality: 4, Skill: 5, Attitude: 5, Content: "师傅很专业，问题一下就找到了，价格透明。"},
	}
	day := time.Now().In(c.Loc).AddDate(0, 0, 1)
	n := 0
	for _, shop := range shops {
		for k, it := range shop.items {
			if k >= 2 || len(shop.staff) == 0 {
				break
			}
			cu := customers[n%len(customers)]
			st, ok := qualified(shop.staff, it.Skills)
			if !ok {
				continue
			}
			d := day.AddDate(0, 0, n) // one order a day keeps every staff member's slots apart
			slot := time.Date(d.Year(), d.Month(), d.Day(), 10, 0, 0, 0, c.Loc)
			o, err := s.p.Booking.Book(cu.ctx, booking.BookInput{ServiceItemID: it.ID, StaffID: st.ID, SlotStart: slot.Format(time.RFC3339),
				AddressID: cu.address.ID, Requirements: "请提前电话联系"})
			if err != nil {
				return fmt.Errorf("book %s: %w", it.Title, err)
			}
			if err := s.pay(c, cu.ctx, o.ID); err != nil {
				return fmt.Errorf("pay %s: %w", o.OrderNo, err)
			}
			sctx := shop.staffCtx[st.ID]
			if _, err := s.p.Booking.Depart(sctx, o.ID); err != nil {
				return fmt.Errorf("depart %s: %w", o.OrderNo, err)
			}
			if _, err := s.p.Booking.Arrive(sctx, o.ID, booking.Position{Lat: cu.at.Lat, Lng: cu.at.Lng}); err != nil {
				return fmt.Errorf("arrive %s: %w", o.OrderNo, err)
			}
			if _, err := s.p.Booking.Start(sctx, o.ID); err != nil {
				return err
			}
			fin := booking.FinishInput{Note: "服务完成，已与客户确认"}
			if it.PriceModel == catalog.PriceDeposit {
				fin.FinalPriceFen = it.PriceFen
			}
			done, err := s.p.Booking.Finish(sctx, o.ID, fin)
			if err != nil {
				return fmt.Errorf("finish %s: %w", o.OrderNo, err)
			}
			if done.Status == "awaiting_balance" {
				if err := s.pay(c, cu.ctx, o.ID); err != nil {
					return fmt.Errorf("pay balance %s: %w", o.OrderNo, err)
				}
			}
			if _, err := s.p.Reviews.Create(cu.ctx, o.ID, reviews[n%len(reviews)]); err != nil {
				return fmt.Errorf("review %s: %w", o.OrderNo, err)
			}
			n++
		}
	}
	// One order waiting to be served and one waiting for payment, so the
	// consoles have live work to show.
	if len(shops) > 0 && len(shops[0].items) > 0 {
		cu := customers[0]
		slot := time.Date(day.Year(), day.Month(), day.Day(), 15, 30, 0, 0, c.Loc)
		o, err := s.p.Booking.Book(cu.ctx, booking.BookInput{ServiceItemID: shops[0].items[0].ID, SlotStart: slot.Format(time.RFC3339), AddressID: cu.address.ID, Requirements: "家里有猫，请注意关门"})
		if err != nil {
			return fmt.Errorf("book waiting order: %w", err)
		}
		if err := s.pay(c, cu.ctx, o.ID); err != nil {
			return err
		}
		if _, err := s.p.Booking.Book(cu.ctx, booking.BookInput{ServiceItemID: shops[0].items[0].ID, SlotStart: slot.Add(48 * time.Hour).Format(time.RFC3339), AddressID: cu.address.ID}); err != nil {
			return fmt.Errorf("book unpaid order: %w", err)
		}
	}
	return nil
}

// marketing issues the city's and the first shop's coupons, names the
// referral reward, adds a dispatcher, and publishes decorated pages.
func (s *seeder) marketing(c *tenants.City, admin context.Context, shops []seededShop) error {
	p := s.p
	until := time.Now().In(c.Loc).AddDate(0, 3, 0).Format("2006-01-02")
	if _, err := p.Marketing.CreateCoupon(admin, marketing.CouponInput{Title: "新人立减20元", Kind: "amount", AmountFen: 2000, MinSpendFen: 10000,
		ValidTo: until, TotalLimit: 1000, PerCustomerLimit: 1, Audience: "new_customer"}); err != nil {
		return err
	}
	no := false
	reward, err := p.Marketing.CreateCoupon(admin, marketing.CouponInput{Title: "邀请有礼15元", Kind: "amount", AmountFen: 1500, MinSpendFen: 8000,
		ValidTo: until, Claimable: &no})
	if err != nil {
		return err
	}
	if _, err := p.Marketing.SetReferralSettings(admin, marketing.ReferralSettings{CouponID: reward.ID}); err != nil {
		return err
	}
	if _, err := p.Storefront.ApplyTemplate(admin, storefront.OwnerCity, "home", storefront.TemplateInput{Template: "promo"}); err != nil {
		return err
	}
	if _, err := p.Storefront.Publish(admin, storefront.OwnerCity, "home", storefront.PublishInput{}); err != nil {
		return err
	}
	if len(shops) == 0 {
		return nil
	}
	shop := shops[0]
	if _, err := p.Marketing.CreateCoupon(shop.owner, marketing.CouponInput{Title: "保洁满200减30", Kind: "amount", AmountFen: 3000, MinSpendFen: 20000,
		ValidTo: until, TotalLimit: 500, PerCustomerLimit: 2}); err != nil {
		return err
	}
	if _, err := p.Merchants.AddDispatcher(shop.owner, merchant.DispatcherInput{Phone: dispatcherPhone(c.Code), Name: "调度小陈"}); err != nil {
		return err
	}
	if _, err := s.person(c.Name+" dispatcher", dispatcherPhone(c.Code), "调度小陈", "grant merchant_dispatcher: dispatch board"); err != nil {
		return err
	}
	d, err := p.Storefront.ApplyTemplate(shop.owner, storefront.OwnerMerchant, "shop", storefront.TemplateInput{Template: "pro"})
	if err != nil {
		return err
	}
	_ = d
	_, err = p.Storefront.Publish(shop.owner, storefront.OwnerMerchant, "shop", storefront.PublishInput{})
	return err
}

func dispatcherPhone(city string) string {
	if city == "bj" {
		return "13700000291"
	}
	return "13700000191"
}

// qualified picks the first staff member holding every skill an item needs.
func qualified(team []staff.View, skills []string) (staff.View, bool) {
	for _, st := range team {
		has := map[string]bool{}
		for _, k := range st.Skills {
			has[k] = true
		}
		ok := true
		for _, k := range skills {
			ok = ok && has[k]
		}
		if ok {
			return st, true
		}
	}
	return staff.View{}, false
}

// pay pays what the order owes now through the sandbox gateway: the trade
// is marked paid and its signed notification goes through the same
// verification a real provider's would.
func (s *seeder) pay(c *tenants.City, cctx context.Context, orderID int64) error {
	res, err := s.p.Payments.Pay(cctx, orderID, "sandbox", "127.0.0.1")
	if err != nil {
		return err
	}
	g := s.p.SandboxPay()
	if g == nil {
		return errors.New("the sandbox payment gateway is not enabled")
	}
	if _, err := g.MarkPaid(cctx, res.PaymentNo); err != nil {
		return err
	}
	h, body, err := g.Notification(cctx, res.PaymentNo)
	if err != nil {
		return err
	}
	ans, err := s.p.Payments.Notify(tenants.WithCity(app.WithActor(s.ctx, app.System), c), "sandbox", h, body)
	if err != nil {
		return err
	}
	if ans.Status >= 300 {
		return fmt.Errorf("the sandbox notification was refused: %d %s", ans.Status, ans.Body)
	}
	return nil
}
