package web

import (
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"

	"doorstep/app"
	"doorstep/app/audit"
	"doorstep/rbac"
	"doorstep/tenants"
)

type grantQuery struct {
	AccountID int64  `query:"account_id"`
	Domain    string `query:"domain"`
	Role      string `query:"role"`
}

func (s *Server) hqGrants(c *fiber.Ctx) error {
	var q grantQuery
	if err := s.query(c, &q); err != nil {
		return err
	}
	ctx := c.UserContext()
	var out []rbac.Grant
	var err error
	switch {
	case q.AccountID > 0:
		out, err = s.d.RBAC.GrantsOf(ctx, q.AccountID)
	case q.Domain != "":
		out, err = s.d.RBAC.GrantsIn(ctx, q.Domain, q.Role, 0)
	default:
		return app.Invalid("account_id", "give account_id or domain")
	}
	if err != nil {
		return err
	}
	if out == nil {
		out = []rbac.Grant{}
	}
	return c.JSON(out)
}

type grantReq struct {
	AccountID  int64  `json:"account_id"`
	Phone      string `json:"phone" doc:"invite by phone when account_id is 0"`
	Domain     string `json:"domain" validate:"required" doc:"hq or city:<code>"`
	Role       string `json:"role" validate:"required"`
	MerchantID int64  `json:"merchant_id"`
	StaffID    int64  `json:"staff_id"`
}

func (s *Server) hqGrant(c *fiber.Ctx) error {
	var in grantReq
	if err := s.bind(c, &in); err != nil {
		return err
	}
	ctx := c.UserContext()
	if err := rbac.ValidGrant(in.Domain, in.Role); err != nil {
		return err
	}
	if rbac.DomainKind(in.Domain) == "city" {
		if _, err := s.d.Reg.Lookup(in.Domain[len("city:"):]); err != nil {
			return app.NotFound("city")
		}
	}
	if in.AccountID == 0 {
		if in.Phone == "" {
			return app.Invalid("account_id", "give account_id or phone")
		}
		id, _, err := s.d.Accounts.FindOrInviteByPhone(ctx, in.Phone, "")
		if err != nil {
			return err
		}
		in.AccountID = id
	}
	g, err := s.d.RBAC.AddGrant(ctx, rbac.Grant{AccountID: in.AccountID, Domain: in.Domain, Role: in.Role, MerchantID: in.MerchantID, StaffID: in.StaffID, GrantedBy: actor(c).AccountID})
	if err != nil {
		return err
	}
	s.d.Audit.Record(ctx, "role.grant", "account", fmt.Sprint(in.AccountID), "ok", map[string]any{"domain": in.Domain, "role": in.Role, "merchant_id": in.MerchantID})
	return c.Status(fiber.StatusCreated).JSON(g)
}

type revokeReq struct {
	AccountID  int64  `json:"account_id" validate:"required,gt=0"`
	Domain     string `json:"domain" validate:"required"`
	Role       string `json:"role" validate:"required"`
	MerchantID int64  `json:"merchant_id"`
}

func (s *Server) hqRevoke(c *fiber.Ctx) error {
	var in revokeReq
	if err := s.bind(c, &in); err != nil {
		return err
	}
	ctx := c.UserContext()
	if err := s.d.RBAC.RemoveGrant(ctx, in.AccountID, in.Domain, in.Role, in.MerchantID); err != nil {
		return err
	}
	s.d.Audit.Record(ctx, "role.revoke", "account", fmt.Sprint(in.AccountID), "ok", map[string]any{"domain": in.Domain, "role": in.Role, "merchant_id": in.MerchantID})
	return c.JSON(okBody{OK: true})
}

type accountStatusReq struct {
	Status string `json:"status" validate:"required,oneof=active disabled"`
}

func (s *Server) accountStatus(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in accountStatusReq
	if err := s.bind(c, &in); err != nil {
		return err
	}
	if err := s.d.Accounts.SetStatus(c.UserContext(), id, in.Status); err != nil {
		return err
	}
	return c.JSON(okBody{OK: true})
}

// City operators: a city admin manages the admins and operators of their own
// city only; the domain always comes from the resolved city, never the body.

func (s *Server) cityOperators(c *fiber.Ctx) error {
	ctx := c.UserContext()
	ct, _ := tenants.MustCity(ctx)
	out := []rbac.Grant{}
	for _, role := range []string{app.RoleCityAdmin, app.RoleCityOperator} {
		gs, err := s.d.RBAC.GrantsIn(ctx, ct.Domain(), role, 0)
		if err != nil {
			return err
		}
		out = append(out, gs...)
	}
	return c.JSON(out)
}

type operatorReq struct {
	Phone string `json:"phone" validate:"required"`
	Name  string `json:"name"`
	Role  string `json:"role" validate:"required,oneof=city_admin city_operator"`
}

func (s *Server) addCityOperator(c *fiber.Ctx) error {
	var in operatorReq
	if err := s.bind(c, &in); err != nil {
		return err
	}
	ctx := c.UserContext()
	ct, _ := tenants.MustCity(ctx)
	id, _, err := s.d.Accounts.FindOrInviteByPhone(ctx, in.Phone, in.Name)
	if err != nil {
		return err
	}
	g, err := s.d.RBAC.AddGrant(ctx, rbac.Grant{AccountID: id, Domain: ct.Domain(), Role: in.Role, GrantedBy: actor(c).AccountID})
	if err != nil {
		return err
	}
	s.d.Audit.Record(ctx, "role.grant", "account", fmt.Sprint(id), "ok", map[string]any{"domain": ct.Domain(), "role": in.Role})
	return c.Status(fiber.StatusCreated).JSON(g)
}

type operatorRemoveQuery struct {
	Role string `query:"role" validate:"required,oneof=city_admin city_operator"`
}

func (s *Server) removeCityOperator(c *fiber.Ctx) error {
	id, err := pathID(c, "account_id")
	if err != nil {
		return err
	}
	var q operatorRemoveQuery
	if err := s.query(c, &q); err != nil {
		return err
	}
	ctx := c.UserContext()
	ct, _ := tenants.MustCity(ctx)
	if id == actor(c).AccountID && q.Role == app.RoleCityAdmin {
		return app.E(app.KindConflict, "cannot_remove_self", "you cannot remove your own admin role; ask another admin or HQ")
	}
	if err := s.d.RBAC.RemoveGrant(ctx, id, ct.Domain(), q.Role, 0); err != nil {
		return err
	}
	s.d.Audit.Record(ctx, "role.revoke", "account", fmt.Sprint(id), "ok", map[string]any{"domain": ct.Domain(), "role": q.Role})
	return c.JSON(okBody{OK: true})
}

type auditQuery struct {
	City    string    `query:"city"`
	Action  string    `query:"action"`
	ActorID int64     `query:"actor_id"`
	From    time.Time `query:"from"`
	To      time.Time `query:"to"`
	Cursor  string    `query:"cursor"`
	Limit   int       `query:"limit"`
}

func (q auditQuery) filter() audit.Filter {
	return audit.Filter{City: q.City, Action: q.Action, ActorID: q.ActorID, From: q.From, To: q.To, Page: app.Page{Cursor: q.Cursor, Limit: q.Limit}}
}

func (s *Server) hqAudit(c *fiber.Ctx) error {
	var q auditQuery
	if err := s.query(c, &q); err != nil {
		return err
	}
	out, err := s.d.Audit.List(c.UserContext(), q.filter())
	if err != nil {
		return err
	}
	return c.JSON(out)
}

func (s *Server) cityAudit(c *fiber.Ctx) error {
	var q auditQuery
	if err := s.query(c, &q); err != nil {
		return err
	}
	ct, _ := tenants.MustCity(c.UserContext())
	f := q.filter()
	f.City = ct.Code // a city sees its own rows only, whatever it asks for
	out, err := s.d.Audit.List(c.UserContext(), f)
	if err != nil {
		return err
	}
	return c.JSON(out)
}
