package web_test

import (
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"doorstep/app"
	"doorstep/app/apptest"
)

// BenchmarkGuards measures tenant resolution + JWT verification + session
// check + Casbin per request (the middleware of every city route), against
// the same route with no middleware in the same run.
func BenchmarkGuards(b *testing.B) {
	e := apptest.New(b, apptest.Cities("sz", "bj"))
	e.Grant(b, apptest.Phone(700), "city:sz", app.RoleCityAdmin, 0, 0)
	tok := e.Act(b, apptest.Phone(700), "city:sz", app.RoleCityAdmin).AccessToken
	ok := func(c *fiber.Ctx) error { return c.SendStatus(204) }
	a := fiber.New(fiber.Config{DisableStartupMessage: true})
	a.Get("/bare", ok)
	a.Get("/guarded", append(e.P.HTTP.Guards("merchant_application:review"), ok)...)
	h := a.Handler()
	run := func(b *testing.B, path string) {
		var ctx fasthttp.RequestCtx
		for i := 0; i < b.N; i++ {
			ctx.Request.Reset()
			ctx.Response.Reset()
			ctx.Request.Header.SetMethod("GET")
			ctx.Request.SetRequestURI(path)
			ctx.Request.Header.Set("X-City", "sz")
			ctx.Request.Header.Set("Authorization", "Bearer "+tok)
			h(&ctx)
			if ctx.Response.StatusCode() != 204 {
				b.Fatalf("%s: %d %s", path, ctx.Response.StatusCode(), ctx.Response.Body())
			}
		}
	}
	b.Run("bare", func(b *testing.B) { run(b, "/bare") })
	b.Run("tenant+auth+casbin", func(b *testing.B) { run(b, "/guarded") })
}
