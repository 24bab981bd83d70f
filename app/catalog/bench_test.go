package catalog_test

import (
	"fmt"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"doorstep/app/merchant/merchanttest"
)

// The browse goal: a cached GET /v1/services answers at no less than half
// the rate of a bare Fiber JSON endpoint on the same machine. Both
// benchmarks drive a loopback server with the same client and the same
// number of connections, so their req/s compare directly:
//
//	go test ./app/catalog -run '^$' -bench 'BrowseCached|BareFiber' -benchtime 5s

const benchConns = 64

var benchOnce sync.Once

func benchShop(b *testing.B) {
	benchOnce.Do(func() {
		s := shop(b, "sz", "压测家政", merchanttest.Area)
		for i := 0; i < 20; i++ {
			merchanttest.AddItem(b, s.Owner, merchanttest.Item(fmt.Sprintf("压测保洁 Bn1 %02d", i), int64(8000+i*100)), true)
		}
	})
}

// drive sends GET url with headers from benchConns goroutines over as many
// keep-alive connections until b.N requests are done, and reports req/s.
func drive(b *testing.B, addr, path string, headers map[string]string) {
	c := &fasthttp.HostClient{Addr: addr, MaxConns: benchConns, ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second}
	do := func() (int, int) {
		req, res := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
		defer fasthttp.ReleaseRequest(req)
		defer fasthttp.ReleaseResponse(res)
		req.SetRequestURI("http://" + addr + path)
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		if err := c.Do(req, res); err != nil {
			b.Fatal(err)
		}
		return res.StatusCode(), len(res.Body())
	}
	st, n := do()
	if st != 200 || n == 0 {
		b.Fatalf("GET %s: %d (%d bytes)", path, st, n)
	}
	b.SetBytes(int64(n))
	b.SetParallelism(max(1, benchConns/runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if st, _ := do(); st != 200 {
				b.Errorf("status %d", st)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

// BenchmarkBrowseCached drives the real server (the whole middleware
// chain: request id, metrics, tenant, open city) with a browse query whose
// answer is in the cache.
func BenchmarkBrowseCached(b *testing.B) {
	benchShop(b)
	addr := strings.TrimPrefix(env.Base, "http://")
	drive(b, addr, "/v1/services?category=housekeeping&q=bn1&sort=price_asc&limit=20", map[string]string{"X-City": "sz"})
}

// BenchmarkBrowseCachedGzip is BenchmarkBrowseCached for a client that
// takes gzip, as browsers and mobile HTTP stacks do: the answer was
// compressed once when cached.
func BenchmarkBrowseCachedGzip(b *testing.B) {
	benchShop(b)
	addr := strings.TrimPrefix(env.Base, "http://")
	drive(b, addr, "/v1/services?category=housekeeping&q=bn1&sort=price_asc&limit=20", map[string]string{"X-City": "sz", "Accept-Encoding": "gzip"})
}

// BenchmarkServiceDetailCached drives GET /v1/services/:id from the cache.
func BenchmarkServiceDetailCached(b *testing.B) {
	benchShop(b)
	addr := strings.TrimPrefix(env.Base, "http://")
	var id int64
	for _, it := range browse(b, "sz", map[string][]string{"q": {"bn1"}, "limit": {"1"}}).Items {
		id = it.ID
	}
	drive(b, addr, fmt.Sprintf("/v1/services/%d", id), map[string]string{"X-City": "sz"})
}

// BenchmarkBareFiberJSON is the yardstick: a Fiber app with one JSON
// endpoint and nothing else.
func BenchmarkBareFiberJSON(b *testing.B) {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/json", func(c *fiber.Ctx) error { return c.JSON(fiber.Map{"message": "Hello, World!"}) })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() { _ = app.Listener(ln) }()
	defer app.Shutdown()
	drive(b, ln.Addr().String(), "/json", nil)
}

// BenchmarkBareFiberSameBody serves the browse benchmark's exact answer
// bytes from a bare Fiber app: the difference to BenchmarkBrowseCached is
// what the product adds (middleware, tenant, cache lookup), the payload
// cost being equal.
func BenchmarkBareFiberSameBody(b *testing.B) {
	benchShop(b)
	body := env.Client(b).In("sz").Get("/v1/services?category=housekeeping&q=bn1&sort=price_asc&limit=20").OK().Body
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/json", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
		return c.Send(body)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() { _ = app.Listener(ln) }()
	defer app.Shutdown()
	drive(b, ln.Addr().String(), "/json", nil)
}
