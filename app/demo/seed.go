package demo

import (
	"context"
	"errors"
	"fmt"

	"doorstep/app"
	"doorstep/app/city"
	"doorstep/app/platform"
	"doorstep/rbac"
)

// DemoPassword is the password of every demo person.
const DemoPassword = "Demo1234"

// Seed creates the demo world once: two cities, their operators, merchants,
// services, staff and customers. Running it again changes nothing.
func Seed(ctx context.Context, p *platform.Platform) ([]Login, error) {
	var logins []Login
	person := func(who, phone, name, note string) (int64, error) {
		id, _, err := p.Accounts.FindOrInviteByPhone(ctx, phone, name)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", who, err)
		}
		if err := p.Accounts.EnsurePassword(ctx, id, DemoPassword); err != nil {
			return 0, err
		}
		logins = append(logins, Login{Who: who, Phone: phone, Note: note})
		return id, nil
	}
	hq, err := person("HQ admin", "13800000001", "总部管理员", "switch to grant hq_admin")
	if err != nil {
		return nil, err
	}
	if _, err := p.RBAC.AddGrant(ctx, rbac.Grant{AccountID: hq, Domain: "hq", Role: app.RoleHQAdmin}); err != nil {
		return nil, err
	}
	for _, c := range []struct{ code, name, en, phone string }{
		{"sz", "深圳", "Shenzhen", "13800000002"},
		{"bj", "北京", "Beijing", "13800000003"},
	} {
		if _, err := p.Cities.Create(ctx, city.CreateInput{Code: c.code, Name: c.name, NameEN: c.en, Zone: "Asia/Shanghai"}); err != nil && !errors.Is(err, city.ErrCityExists) {
			return nil, fmt.Errorf("city %s: %w", c.code, err)
		}
		admin, err := person(c.name+" city admin", c.phone, c.name+"分站管理员", "switch to grant city_admin @ city:"+c.code)
		if err != nil {
			return nil, err
		}
		if _, err := p.RBAC.AddGrant(ctx, rbac.Grant{AccountID: admin, Domain: "city:" + c.code, Role: app.RoleCityAdmin}); err != nil {
			return nil, err
		}
	}
	if _, err := person("Customer 小王", "13900000001", "小王", "a customer; browse and book in any city"); err != nil {
		return nil, err
	}
	return logins, nil
}
