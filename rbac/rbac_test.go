package rbac_test

import (
	"context"
	"encoding/csv"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"doorstep/app/apptest"
	"doorstep/rbac"
)

// matrixFromFile reads matrix.csv on its own, without the package's parser,
// so the test does not share a bug with what it checks.
func matrixFromFile(t *testing.T) (roles []string, rows [][]string) {
	t.Helper()
	b, err := os.ReadFile("matrix.csv")
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	recs, err := csv.NewReader(strings.NewReader(strings.Join(lines, "\n"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs[0][2:], recs[1:]
}

// Every cell of the matrix, in every kind of domain: HQ roles held in hq,
// city roles held in city:sz and asked in sz, in bj and in hq, customers in
// any city. Denials are cells too.
func TestRBAC_EveryCellOfTheMatrix(t *testing.T) {
	e := apptest.New(t, apptest.NoServe(), apptest.Cities("sz", "bj"))
	en := e.P.RBAC
	ctx := context.Background()
	roles, rows := matrixFromFile(t)
	subject := map[string]string{}
	for i, role := range roles {
		if role == "customer" {
			subject[role] = "customer"
			continue
		}
		dom := "city:sz"
		if strings.HasPrefix(role, "hq_") {
			dom = "hq"
		}
		g, err := en.AddGrant(ctx, rbac.Grant{AccountID: int64(1000 + i), Domain: dom, Role: role})
		if err != nil {
			t.Fatal(err)
		}
		subject[role] = rbac.Subject(g.AccountID)
	}
	cells := 0
	for _, row := range rows {
		res, act := row[0], row[1]
		for i, role := range roles {
			kinds := " " + row[2+i] + " "
			hasHQ, hasCity := strings.Contains(kinds, " hq "), strings.Contains(kinds, " city ")
			want := map[string]bool{"hq": hasHQ, "city:sz": hasCity, "city:bj": hasCity}
			if !strings.HasPrefix(role, "hq_") && role != "customer" {
				want["city:bj"] = false // a city role reaches its own city only
				want["hq"] = false
			}
			for dom, w := range want {
				if got := en.Allow(subject[role], dom, res, act); got != w {
					t.Errorf("%s in %s: %s:%s = %v, matrix says %v", role, dom, res, act, got, w)
				}
				cells++
			}
		}
	}
	t.Logf("checked %d decisions over %d matrix rows", cells, len(rows))
	// A person with no grant gets nothing anywhere.
	for _, row := range rows {
		for _, dom := range []string{"hq", "city:sz"} {
			if en.Allow(rbac.Subject(999999), dom, row[0], row[1]) {
				t.Errorf("ungranted person allowed %s:%s in %s", row[0], row[1], dom)
			}
		}
	}
}

// A policy that cannot be loaded denies everything until it loads again.
func TestRBAC_BrokenPolicyDeniesEverything(t *testing.T) {
	e := apptest.New(t, apptest.NoServe(), apptest.Cities("sz"))
	en := e.P.RBAC
	ctx := context.Background()
	g, err := en.AddGrant(ctx, rbac.Grant{AccountID: 7, Domain: "hq", Role: "hq_admin"})
	if err != nil {
		t.Fatal(err)
	}
	sub := rbac.Subject(g.AccountID)
	if !en.Allow(sub, "hq", "city", "create") {
		t.Fatal("hq_admin should create cities")
	}
	hq := e.P.Reg.HQTable("casbin_rule")
	if err := e.P.Reg.HQ(ctx).Exec("RENAME TABLE " + hq + " TO " + hq + "_gone").Error; err != nil {
		t.Fatal(err)
	}
	if err := en.Reload(ctx); err == nil {
		t.Fatal("reload without the policy table should fail")
	}
	if en.Allow(sub, "hq", "city", "create") || en.Allow("customer", "city:sz", "order", "create") || en.Healthy() {
		t.Fatal("a broken policy must deny everything")
	}
	if err := e.P.Reg.HQ(ctx).Exec("RENAME TABLE " + hq + "_gone TO " + hq).Error; err != nil {
		t.Fatal(err)
	}
	if err := en.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if !en.Allow(sub, "hq", "city", "create") {
		t.Fatal("allowed again once the policy loads")
	}
}

// A grant made by one running copy reaches another within two seconds, both
// through the Redis notice and, with no Redis at all, through the version
// poll.
func TestRBAC_ChangesReachOtherCopiesWithinTwoSeconds(t *testing.T) {
	e := apptest.New(t, apptest.NoServe(), apptest.Cities("sz"))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	log := slog.New(slog.DiscardHandler)
	viaRedis, err := rbac.New(e.P.Reg, e.P.Redis, rbac.Options{Channel: e.Prefix + "rbac", Poll: time.Hour}, log)
	if err != nil {
		t.Fatal(err)
	}
	viaPoll, err := rbac.New(e.P.Reg, nil, rbac.Options{Poll: 200 * time.Millisecond}, log)
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range []*rbac.Enforcer{viaRedis, viaPoll} {
		if err := en.Reload(ctx); err != nil {
			t.Fatal(err)
		}
		go en.Run(ctx)
	}
	time.Sleep(200 * time.Millisecond) // let the subscription start
	sub := rbac.Subject(42)
	for _, step := range []struct {
		name string
		do   func() error
		want bool
	}{
		{"grant", func() error {
			_, err := e.P.RBAC.AddGrant(ctx, rbac.Grant{AccountID: 42, Domain: "city:sz", Role: "city_admin"})
			return err
		}, true},
		{"revoke", func() error { return e.P.RBAC.RemoveGrant(ctx, 42, "city:sz", "city_admin", 0) }, false},
	} {
		start := time.Now()
		if err := step.do(); err != nil {
			t.Fatal(err)
		}
		for name, en := range map[string]*rbac.Enforcer{"redis": viaRedis, "poll": viaPoll} {
			for en.Allow(sub, "city:sz", "merchant_application", "review") != step.want {
				if time.Since(start) > 2*time.Second {
					t.Fatalf("%s via %s: not seen after 2s", step.name, name)
				}
				time.Sleep(10 * time.Millisecond)
			}
			t.Logf("%s seen via %s after %s", step.name, name, time.Since(start).Round(time.Millisecond))
		}
	}
}

// Names that would let a grant escape its domain are refused.
func TestRBAC_RefusesUnsafeNames(t *testing.T) {
	for _, bad := range []string{"city:*", "city::sz", "city:s.z", "city:(sz|bj)", "hq*", "", "city:", ":sz", "CITY:SZ"} {
		if rbac.SafeName(bad) && rbac.ValidGrant(bad, "city_admin") == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if err := rbac.ValidGrant("city:sz", "hq_admin"); err == nil {
		t.Error("an HQ role granted in a city domain")
	}
	if err := rbac.ValidGrant("hq", "staff"); err == nil {
		t.Error("a city role granted in hq")
	}
}
