// Package rbac answers "may this role do this action in this domain" with
// Casbin (RBAC with domains). It owns the model, the permission matrix, the
// grants of people to roles, and keeps every running copy's enforcer in step
// through a Redis notification plus a version poll. Object ownership is the
// services' business, not this package's.
//
// It imports casbin, gorm (through tenants, for the HQ schema) and go-redis.
package rbac

import (
	_ "embed"
	"encoding/csv"
	"fmt"
	"slices"
	"strings"

	"doorstep/app"
)

//go:embed model.conf
var modelText string

//go:embed matrix.csv
var matrixText string

// Roles lists every role in matrix column order.
var Roles = []string{app.RoleHQAdmin, app.RoleHQOperator, app.RoleCityAdmin, app.RoleCityOperator,
	app.RoleMerchantOwner, app.RoleMerchantDispatcher, app.RoleStaff, app.RoleCustomer}

// HQRoles may be granted in the hq domain; the rest in city domains.
var HQRoles = []string{app.RoleHQAdmin, app.RoleHQOperator}

// CityRoles may be granted in a city domain.
var CityRoles = []string{app.RoleCityAdmin, app.RoleCityOperator, app.RoleMerchantOwner, app.RoleMerchantDispatcher, app.RoleStaff}

// Cell is one permission of the matrix.
type Cell struct {
	Resource, Action, Role string
	Kinds                  []string // "hq", "city"
}

// Matrix parses the embedded matrix file.
func Matrix() ([]Cell, error) { return parseMatrix(matrixText) }

func parseMatrix(text string) ([]Cell, error) {
	var lines []string
	for _, l := range strings.Split(text, "\n") {
		if t := strings.TrimSpace(l); t != "" && !strings.HasPrefix(t, "#") {
			lines = append(lines, t)
		}
	}
	recs, err := csv.NewReader(strings.NewReader(strings.Join(lines, "\n"))).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("rbac matrix: %w", err)
	}
	if len(recs) == 0 || !slices.Equal(recs[0][2:], Roles) {
		return nil, fmt.Errorf("rbac matrix: header must be resource,action,%s", strings.Join(Roles, ","))
	}
	seen := map[string]bool{}
	var out []Cell
	for _, rec := range recs[1:] {
		res, act := strings.TrimSpace(rec[0]), strings.TrimSpace(rec[1])
		if !SafeName(res) || !SafeName(act) {
			return nil, fmt.Errorf("rbac matrix: bad name %q/%q", res, act)
		}
		if seen[res+"/"+act] {
			return nil, fmt.Errorf("rbac matrix: %s/%s twice", res, act)
		}
		seen[res+"/"+act] = true
		for i, role := range Roles {
			cell := strings.TrimSpace(rec[2+i])
			if cell == "-" {
				continue
			}
			kinds := strings.Fields(cell)
			for _, k := range kinds {
				if k != "hq" && k != "city" {
					return nil, fmt.Errorf("rbac matrix: %s/%s %s: bad cell %q", res, act, role, cell)
				}
				if k == "hq" && !slices.Contains(HQRoles, role) {
					return nil, fmt.Errorf("rbac matrix: %s/%s: only HQ roles act in the hq domain", res, act)
				}
			}
			out = append(out, Cell{Resource: res, Action: act, Role: role, Kinds: kinds})
		}
	}
	return out, nil
}

// Policies turns the matrix into Casbin p rules.
func Policies(cells []Cell) [][]string {
	var out [][]string
	for _, c := range cells {
		for _, k := range c.Kinds {
			out = append(out, []string{c.Role, k, c.Resource, c.Action})
		}
	}
	return out
}

// SafeName accepts the names that may enter Casbin: lowercase letters,
// digits, '_', and one ':' separating a kind from a code. It refuses "::",
// "*" and every regex or glob character (casbin #797).
func SafeName(s string) bool {
	if s == "" || len(s) > 64 || strings.Count(s, ":") > 1 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == ':') {
			return false
		}
	}
	return !strings.HasPrefix(s, ":") && !strings.HasSuffix(s, ":")
}

// DomainKind is "hq" for the hq domain and "city" for "city:<code>".
func DomainKind(dom string) string {
	if dom == "hq" {
		return "hq"
	}
	if strings.HasPrefix(dom, "city:") && len(dom) > 5 {
		return "city"
	}
	return ""
}

// Subject is the Casbin subject of an account.
func Subject(accountID int64) string { return fmt.Sprintf("u:%d", accountID) }
