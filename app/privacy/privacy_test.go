package privacy_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"doorstep/app"
	"doorstep/app/apptest"
	"doorstep/app/booking"
	"doorstep/app/geo"
	"doorstep/app/merchant"
	"doorstep/app/pii"
	"doorstep/app/platform"
	"doorstep/app/privacy"
	"doorstep/tenants"
)

// The product runs with two keys in the ring, key 2 active: the state
// right after a rotation. Rows sealed under key 1 are what it must fix.
var (
	env  *apptest.Env
	old  *pii.Box // key 1 only: seals rows as before the rotation
	key2 = base64.StdEncoding.EncodeToString([]byte("test-pii-key-2-00000000000000000"))
)

func TestMain(m *testing.M) {
	e, err := apptest.Start(apptest.Cities("sz", "bj"), apptest.Configure(func(c *platform.Config) {
		c.PII.Keys = map[string]string{"1": c.PII.Keys["1"], "2": key2}
		c.PII.ActiveKey = "2"
	}))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	env = e
	cfg := e.P.Cfg.PII
	if old, err = pii.New(map[string]string{"1": cfg.Keys["1"]}, "1", cfg.HashKey); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// The scheduler runs the periodic re-seal once at start: let it finish
	// (its done markers in place) before the tests seed old rows.
	if err := waitForFirstPass(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	e.Close()
	os.Exit(code)
}

func waitForFirstPass() error {
	reg := env.P.Reg
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var n int64
		_ = reg.HQ(context.Background()).Raw("SELECT COUNT(*) FROM " + reg.HQTable("settings") + " WHERE name LIKE 'privacy.reseal.%'").Scan(&n).Error
		done := n == 1
		for _, c := range reg.Cities() {
			ctx := tenants.WithCity(context.Background(), c)
			var k int64
			_ = tenants.DB(ctx).Raw("SELECT COUNT(*) FROM " + tenants.Table(ctx, "settings") + " WHERE name LIKE 'privacy.reseal.%'").Scan(&k).Error
			done = done && k == 4
		}
		if done {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("the periodic re-seal did not run at start")
}

var seq atomic.Int64

func phone() string { return apptest.Phone(30_000_000 + int(seq.Add(1))) }

func cityCtx(t testing.TB, code string) context.Context {
	t.Helper()
	c, err := env.P.Reg.Lookup(code)
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

// sealed remembers what each sealed value must open to.
type sealed struct {
	scope, table, col string
	id                int64
	plain             string
}

// seedOld writes rows of every sealed table under key 1: HQ accounts and,
// in each city, addresses, orders, merchants and applications.
func seedOld(t *testing.T) []sealed {
	t.Helper()
	var out []sealed
	reg := env.P.Reg
	now := time.Now().UTC()
	for i := 0; i < 12; i++ {
		p, mail := phone(), fmt.Sprintf("u%d@example.com", seq.Add(1))
		_, err := reg.Pool("main").Exec("INSERT INTO "+reg.HQTable("accounts")+" (phone_hash, phone_enc, phone_masked, email_hash, email_enc, email_masked, created_at, updated_at)"+
			" VALUES (?, ?, ?, ?, ?, ?, ?, ?)", old.Hash("phone", p), old.Seal(p), pii.MaskPhone(p), old.Hash("email", mail), old.Seal(mail), pii.MaskEmail(mail), now, now)
		must(t, err)
		var id int64
		must(t, reg.HQ(context.Background()).Raw("SELECT id FROM "+reg.HQTable("accounts")+" WHERE phone_hash = ?", old.Hash("phone", p)).Scan(&id).Error)
		out = append(out, sealed{"hq", "accounts", "phone_enc", id, p}, sealed{"hq", "accounts", "email_enc", id, mail})
	}
	for _, code := range []string{"sz", "bj"} {
		ctx := cityCtx(t, code)
		for i := 0; i < 9; i++ {
			p, addr := phone(), fmt.Sprintf("%s市某区某路%d号", code, i)
			a := booking.Address{AccountID: 1, ContactName: "张三", PhoneEnc: old.Seal(p), PhoneMasked: pii.MaskPhone(p), AddressEnc: old.Seal(addr),
				AddressMasked: pii.MaskAddress(addr), Lat: 22.5, Lng: 113.9, KeyID: 1, CreatedAt: now, UpdatedAt: now}
			must(t, tenants.DB(ctx).Create(&a).Error)
			out = append(out, sealed{code, "customer_addresses", "phone_enc", a.ID, p}, sealed{code, "customer_addresses", "address_enc", a.ID, addr})
		}
		for i := 0; i < 23; i++ {
			p, addr := phone(), fmt.Sprintf("%s市某区某街%d号", code, i)
			o := booking.Order{OrderNo: fmt.Sprintf("%s%014d", strings.ToUpper(code), seq.Add(1)), CustomerID: 1, MerchantID: 1, ServiceItemID: 1, Status: booking.StCompleted,
				SlotStart: now, SlotEnd: now, DurationMin: 60, Title: "保洁", CategoryCode: "daily_cleaning", AddressID: 1, ContactName: "张三",
				PhoneEnc: old.Seal(p), PhoneMasked: pii.MaskPhone(p), AddressEnc: old.Seal(addr), AddressMasked: pii.MaskAddress(addr),
				PriceModel: booking.PriceFixed, CreatedAt: now, UpdatedAt: now}
			must(t, tenants.DB(ctx).Create(&o).Error)
			out = append(out, sealed{code, "orders", "phone_enc", o.ID, p}, sealed{code, "orders", "address_enc", o.ID, addr})
		}
		for i := 0; i < 3; i++ {
			p := phone()
			m := merchant.Merchant{OwnerID: 1, Name: "店", LicenceNo: "x", ContactName: "王", ContactPhoneEnc: old.Seal(p), ContactPhoneMasked: pii.MaskPhone(p),
				Categories: []string{}, Area: geo.Area{Center: geo.Point{Lat: 22.5, Lng: 113.9}, RadiusM: 1000}, OpeningHours: merchant.Hours{}, Status: merchant.StatusActive,
				CreatedAt: now, UpdatedAt: now}
			must(t, tenants.DB(ctx).Create(&m).Error)
			out = append(out, sealed{code, "merchants", "contact_phone_enc", m.ID, p})
			q := phone()
			ap := merchant.Application{ApplicantID: 1, Name: "店", LicenceNo: "x", ContactName: "王", ContactPhoneEnc: old.Seal(q), ContactPhoneMasked: pii.MaskPhone(q),
				Categories: []string{}, Area: geo.Area{Center: geo.Point{Lat: 22.5, Lng: 113.9}, RadiusM: 1000}, Status: merchant.AppRejected, CreatedAt: now, UpdatedAt: now}
			must(t, tenants.DB(ctx).Create(&ap).Error)
			out = append(out, sealed{code, "merchant_applications", "contact_phone_enc", ap.ID, q})
		}
	}
	return out
}

func read(t *testing.T, s sealed) []byte {
	t.Helper()
	var b []byte
	var err error
	if s.scope == "hq" {
		err = env.P.Reg.HQ(context.Background()).Raw("SELECT "+s.col+" FROM "+env.P.Reg.HQTable(s.table)+" WHERE id = ?", s.id).Row().Scan(&b)
	} else {
		ctx := cityCtx(t, s.scope)
		err = tenants.DB(ctx).Raw("SELECT "+s.col+" FROM "+tenants.Table(ctx, s.table)+" WHERE id = ?", s.id).Row().Scan(&b)
	}
	must(t, err)
	return b
}

func keyOf(t *testing.T, s sealed) int { return int(read(t, s)[0]) }

func stale(t *testing.T) int64 {
	t.Helper()
	st, err := env.P.Privacy.Status(context.Background())
	must(t, err)
	return st.Total
}

// After key 2 becomes active, re-sealing moves every sealed value of HQ
// and of every city to key 2, in batches; each still opens to what it was.
// A stopped pass resumes where it stood; a finished one is not repeated by
// the periodic run; running again changes nothing. On demand it runs
// through the API and the job queue.
func TestPrivacy_AfterKeyRotationEveryRowEndsUnderTheActiveKeyAndStillOpens(t *testing.T) {
	rows := seedOld(t)
	if n := stale(t); n < int64(len(rows))/2 {
		t.Fatalf("status sees %d stale rows for %d seeded values", n, len(rows))
	}
	svc := env.P.Privacy
	svc.SetBatch(7)

	// A pass over sz's orders that stopped half way resumes after its
	// position: rows before it stay under key 1 until a forced pass.
	var orders []sealed
	for _, s := range rows {
		if s.scope == "sz" && s.table == "orders" && s.col == "phone_enc" {
			orders = append(orders, s)
		}
	}
	mid := orders[len(orders)/2].id
	sz := cityCtx(t, "sz")
	must(t, tenants.DB(sz).Exec("INSERT INTO "+tenants.Table(sz, "settings")+" (name, value, updated_at) VALUES ('privacy.reseal.orders', ?, ?)"+
		" ON DUPLICATE KEY UPDATE value = VALUES(value)", fmt.Sprintf(`{"key":2,"after":%d}`, mid), time.Now().UTC()).Error)
	rep, err := svc.Reseal(sz, false)
	must(t, err)
	if !rep.Finished || rep.Scope != "sz" || rep.ActiveKey != 2 {
		t.Fatalf("report: %+v", rep)
	}
	for _, s := range orders {
		if want := map[bool]int{true: 1, false: 2}[s.id <= mid]; keyOf(t, s) != want {
			t.Fatalf("order %d (mid %d) under key %d, want %d", s.id, mid, keyOf(t, s), want)
		}
	}
	// The periodic run leaves a finished pass alone; a forced one finishes it.
	rep, err = svc.Reseal(sz, false)
	must(t, err)
	for _, tr := range rep.Tables {
		if !tr.Skipped || tr.Resealed != 0 {
			t.Fatalf("periodic run after a finished pass: %+v", rep.Tables)
		}
	}
	rep, err = svc.Reseal(sz, true)
	must(t, err)
	var n int64
	for _, tr := range rep.Tables {
		if tr.Table == "orders" {
			n = tr.Resealed
		}
	}
	if n != int64(len(orders)/2+1) {
		t.Fatalf("forced pass re-sealed %d orders, want %d", n, len(orders)/2+1)
	}

	// The rest, on demand through the API and the job queue.
	tok := hqAdmin(t)
	var q privacy.Queued
	env.Client(t).As(tok).Post("/v1/hq/privacy/reseal", nil).OK().JSON(&q)
	if q.ActiveKey != 2 || len(q.Queued) != 3 || q.Queued[0] != "hq" || len(q.Failed) != 0 {
		t.Fatalf("queued: %+v", q)
	}
	apptest.Eventually(t, 30*time.Second, "every row under key 2", func() bool { return stale(t) == 0 })
	var st privacy.Status
	env.Client(t).As(tok).Get("/v1/hq/privacy/reseal").OK().JSON(&st)
	if st.Total != 0 || st.Stale["hq"]["accounts"] != 0 || st.Stale["bj"]["orders"] != 0 {
		t.Fatalf("status: %+v", st)
	}
	for _, s := range rows {
		ct := read(t, s)
		if ct[0] != 2 {
			t.Fatalf("%s %s.%s #%d still under key %d", s.scope, s.table, s.col, s.id, ct[0])
		}
		got, err := env.P.Box.Open(ct)
		if err != nil || got != s.plain {
			t.Fatalf("%s %s.%s #%d opens to %q (%v), want %q", s.scope, s.table, s.col, s.id, got, err, s.plain)
		}
		if _, err := old.Open(ct); err == nil {
			t.Fatal("a re-sealed value opens under the old key alone")
		}
	}
	var keyIDs []int
	must(t, tenants.DB(sz).Raw("SELECT DISTINCT key_id FROM "+tenants.Table(sz, "customer_addresses")).Scan(&keyIDs).Error)
	if len(keyIDs) != 1 || keyIDs[0] != 2 {
		t.Fatalf("addresses' key ids: %v", keyIDs)
	}
	// Sign-in still finds people by their keyed hash.
	var id int64
	must(t, env.P.Reg.HQ(context.Background()).Raw("SELECT id FROM "+env.P.Reg.HQTable("accounts")+" WHERE phone_hash = ?", env.P.Box.Hash("phone", rows[0].plain)).Scan(&id).Error)
	if id != rows[0].id {
		t.Fatal("the keyed hash no longer finds the account")
	}

	// Idempotent: again, nothing changes.
	before := read(t, orders[0])
	for _, ctx := range []context.Context{sz, cityCtx(t, "bj"), context.Background()} {
		rep, err := svc.Reseal(ctx, true)
		must(t, err)
		for _, tr := range rep.Tables {
			if tr.Resealed != 0 || tr.Failed != 0 {
				t.Fatalf("second pass in %s: %+v", rep.Scope, tr)
			}
		}
	}
	if !bytes.Equal(before, read(t, orders[0])) {
		t.Fatal("a value under the active key was sealed again")
	}

	// A value no key of the ring opens is left as it is and counted.
	bad := append([]byte{9}, bytes.Repeat([]byte{7}, 40)...)
	o := booking.Order{OrderNo: "BJBAD" + fmt.Sprint(seq.Add(1)), CustomerID: 1, MerchantID: 1, ServiceItemID: 1, Status: booking.StCompleted, SlotStart: time.Now(), SlotEnd: time.Now(),
		DurationMin: 60, Title: "x", CategoryCode: "c", AddressID: 1, ContactName: "x", PhoneEnc: bad, PhoneMasked: "x", AddressEnc: env.P.Box.Seal("a"), AddressMasked: "x",
		PriceModel: booking.PriceFixed, CreatedAt: time.Now(), UpdatedAt: time.Now()}
	bj := cityCtx(t, "bj")
	must(t, tenants.DB(bj).Create(&o).Error)
	rep, err = svc.Reseal(bj, true)
	must(t, err)
	for _, tr := range rep.Tables {
		if tr.Table == "orders" && tr.Failed != 1 {
			t.Fatalf("unopenable value: %+v", tr)
		}
	}
	must(t, tenants.DB(bj).Delete(&booking.Order{}, o.ID).Error)
}

func hqAdmin(t testing.TB) string {
	t.Helper()
	p := phone()
	env.Grant(t, p, "hq", app.RoleHQAdmin, 0, 0)
	id, _, err := env.P.Accounts.FindOrInviteByPhone(context.Background(), p, "")
	must(t, err)
	tok, _, err := env.P.Accounts.Tokens().Issue(id, "hq", app.RoleHQAdmin, 0, 0, 0)
	must(t, err)
	return tok
}

func cityToken(t testing.TB, code, role string) string {
	t.Helper()
	p := phone()
	env.Grant(t, p, "city:"+code, role, 0, 0)
	id, _, err := env.P.Accounts.FindOrInviteByPhone(context.Background(), p, "")
	must(t, err)
	tok, _, err := env.P.Accounts.Tokens().Issue(id, "city:"+code, role, 0, 0, 0)
	must(t, err)
	return tok
}

// A city admin sees a customer's phone on an order of their city for a
// dispute, giving a reason; each reveal writes an audit row with it. A city
// admin of another city, an operator and HQ cannot.
func TestPrivacy_CityAdminRevealIsAuditedAndStaysInTheCity(t *testing.T) {
	sz := cityCtx(t, "sz")
	p := phone()
	// an id beyond any of bj's, so bj's admin cannot stumble on one of bj's own
	o := booking.Order{ID: 50_000_000 + seq.Add(1), OrderNo: "SZRV" + fmt.Sprint(seq.Add(1)), CustomerID: 1, MerchantID: 1, ServiceItemID: 1, Status: booking.StCompleted, SlotStart: time.Now(), SlotEnd: time.Now(),
		DurationMin: 60, Title: "保洁", CategoryCode: "daily_cleaning", AddressID: 1, ContactName: "张三", PhoneEnc: env.P.Box.Seal(p), PhoneMasked: pii.MaskPhone(p),
		AddressEnc: env.P.Box.Seal("深圳市南山区"), AddressMasked: "深圳市****", PriceModel: booking.PriceFixed, CreatedAt: time.Now(), UpdatedAt: time.Now()}
	must(t, tenants.DB(sz).Create(&o).Error)
	path := fmt.Sprintf("/v1/admin/orders/%d/reveal-contact", o.ID)
	admin := env.Client(t).In("sz").As(cityToken(t, "sz", app.RoleCityAdmin))
	hqTok := hqAdmin(t)
	count := func() int {
		var a struct {
			Items []struct {
				Action, City, Detail string
				TargetID             string `json:"target_id"`
				ActorRole            string `json:"actor_role"`
			}
		}
		env.Client(t).As(hqTok).Get("/v1/hq/audit?action=personal_data.reveal&city=sz&limit=100").OK().JSON(&a)
		n := 0
		for _, it := range a.Items {
			if it.TargetID == fmt.Sprint(o.ID) {
				if it.ActorRole != app.RoleCityAdmin || !strings.Contains(it.Detail, "客户投诉") || strings.Contains(it.Detail, p) {
					t.Fatalf("audit row: %+v", it)
				}
				n++
			}
		}
		return n
	}
	for i := 1; i <= 2; i++ {
		var c privacy.Contact
		admin.Post(path, map[string]string{"reason": fmt.Sprintf("客户投诉纠纷处理 %d", i)}).OK().JSON(&c)
		if c.Phone != p || c.OrderNo != o.OrderNo {
			t.Fatalf("revealed %+v", c)
		}
		if n := count(); n != i {
			t.Fatalf("after %d reveals, %d audit rows", i, n)
		}
	}
	admin.Post(path, map[string]string{}).WantError(400, "invalid_input")
	admin.Post(path, map[string]string{"reason": "   短    "}).WantError(400, "reason_required")
	admin.Post("/v1/admin/orders/99999999/reveal-contact", map[string]string{"reason": "客户投诉纠纷处理"}).WantError(404, "order_not_found")

	bjAdmin := cityToken(t, "bj", app.RoleCityAdmin)
	env.Client(t).In("sz").As(bjAdmin).Post(path, map[string]string{"reason": "客户投诉纠纷处理"}).WantError(403, "wrong_city")
	env.Client(t).In("bj").As(bjAdmin).Post(path, map[string]string{"reason": "客户投诉纠纷处理"}).Want(404)
	env.Client(t).In("sz").As(cityToken(t, "sz", app.RoleCityOperator)).Post(path, map[string]string{"reason": "客户投诉纠纷处理"}).WantError(403, "forbidden")
	env.Client(t).In("sz").As(hqTok).Post(path, map[string]string{"reason": "客户投诉纠纷处理"}).WantError(403, "forbidden")
	if n := count(); n != 2 {
		t.Fatalf("refused reveals wrote audit rows: %d", n)
	}
}
