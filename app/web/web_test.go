package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"doorstep/app"
	"doorstep/app/apptest"
)

var pathParam = regexp.MustCompile(`:([A-Za-z_]+)`)

// The OpenAPI document validates as OpenAPI 3 and lists exactly the routes
// the server serves.
func TestOpenAPI_MatchesTheServedRoutes(t *testing.T) {
	e := apptest.New(t)
	r := e.Client(t).Get("/openapi.json").OK()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.json is not valid OpenAPI 3: %v", err)
	}
	documented := map[string]bool{}
	for p, item := range doc.Paths.Map() {
		for m := range item.Operations() {
			documented[m+" "+p] = true
		}
	}
	served := map[string]bool{}
	for _, rt := range e.P.HTTP.App().GetRoutes(true) {
		if rt.Method == "HEAD" || rt.Method == "USE" || rt.Path == "/" {
			continue
		}
		served[rt.Method+" "+pathParam.ReplaceAllString(rt.Path, "{$1}")] = true
	}
	for k := range served {
		if !documented[k] {
			t.Errorf("served but not documented: %s", k)
		}
	}
	for k := range documented {
		if !served[k] {
			t.Errorf("documented but not served: %s", k)
		}
	}
	e.Client(t).Get("/docs").OK()
	if len(served) < 30 {
		t.Fatalf("only %d routes served?", len(served))
	}
}

func fill(path string) string { return pathParam.ReplaceAllString(path, "1") }

// A token bound to city sz is refused in bj on every route that takes a
// token, before any handler runs; each refusal is audited.
func TestCrossCity_CityTokensAreRefusedInAnotherCityOnEveryRoute(t *testing.T) {
	e := apptest.New(t, apptest.Cities("sz", "bj"))
	tokens := map[string]string{}
	for i, role := range []string{app.RoleCityAdmin, app.RoleCityOperator, app.RoleMerchantOwner, app.RoleMerchantDispatcher, app.RoleStaff} {
		phone := apptest.Phone(500 + i)
		e.Grant(t, phone, "city:sz", role, 1, 1)
		tokens[role] = e.Act(t, phone, "city:sz", role).AccessToken
	}
	checked := 0
	for _, r := range e.P.HTTP.RouteTable() {
		if !r.City || !r.Auth {
			continue
		}
		for role, tok := range tokens {
			for _, via := range []string{"header", "host"} {
				c := e.Client(t).As(tok)
				if via == "header" {
					c = c.In("bj")
				} else {
					c = c.With("Host", "bj.doorstep.test")
				}
				res := c.Do(r.Method, fill(r.Path), map[string]any{})
				if res.Status != 403 || res.Code() != "wrong_city" {
					t.Errorf("%s token of sz on %s %s in bj (%s): %d %s", role, r.Method, r.Path, via, res.Status, res.Body)
				}
				checked++
			}
		}
	}
	var audit struct {
		Items []struct{ Action, City string }
	}
	hq := e.HQAdmin(t, apptest.Phone(599))
	e.Client(t).As(hq.AccessToken).Get("/v1/hq/audit?action=auth.wrong_city&limit=100").OK().JSON(&audit)
	if len(audit.Items) == 0 || audit.Items[0].City != "bj" {
		t.Fatalf("wrong-city refusals are not audited: %+v", audit.Items)
	}
	t.Logf("checked %d route x role x way refusals", checked)
}

// Malformed bodies, bad ids and wrong types never produce a 500 on any
// route, whoever calls.
func TestRoutes_BadInputNeverGivesA500(t *testing.T) {
	e := apptest.New(t, apptest.Cities("sz"))
	hq := e.HQAdmin(t, apptest.Phone(600)).AccessToken
	cust := e.SignIn(t, apptest.Phone(601)).AccessToken
	e.Grant(t, apptest.Phone(602), "city:sz", app.RoleCityAdmin, 0, 0)
	admin := e.Act(t, apptest.Phone(602), "city:sz", app.RoleCityAdmin).AccessToken
	bodies := [][]byte{[]byte(`{"x":`), []byte(`[]`), []byte(`{"id":"abc","amount_fen":"lots","phone":12,"slot_start":"tomorrow"}`), []byte(`null`)}
	for _, r := range e.P.HTTP.RouteTable() {
		if strings.HasPrefix(r.Path, "/sandbox/") || r.Path == "/metrics" {
			continue
		}
		for _, tok := range []string{"", hq, cust, admin} {
			for _, p := range []string{fill(r.Path), pathParam.ReplaceAllString(r.Path, "abc"), pathParam.ReplaceAllString(r.Path, "99999999999999999999")} {
				for _, b := range bodies {
					c := e.Client(t).In("sz")
					if tok != "" {
						c = c.As(tok)
					}
					res := c.Do(r.Method, p+"?limit=abc&cursor=%%%", b)
					if res.Status >= 500 && res.Status != http.StatusServiceUnavailable {
						t.Errorf("%s %s with %s: %d %s", r.Method, p, b, res.Status, res.Body)
					}
					var eb struct {
						Error struct{ Code, Message string }
					}
					if res.Status >= 400 && (json.Unmarshal(res.Body, &eb) != nil || eb.Error.Code == "" || eb.Error.Message == "") {
						t.Errorf("%s %s: error answer without code and message: %s", r.Method, p, res.Body)
					}
				}
			}
		}
	}
}
