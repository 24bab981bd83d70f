package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gofiber/fiber/v2"
)

// testApp serves a small fake build through the handler, with a JSON 404
// behind it as the API server has.
func testApp(t *testing.T) *fiber.App {
	t.Helper()
	s := load(fstest.MapFS{
		"dist/index.html":          {Data: []byte("<!doctype html><title>customer</title>")},
		"dist/staff.html":          {Data: []byte("<!doctype html><title>staff</title>")},
		"dist/admin.html":          {Data: []byte("<!doctype html><title>admin</title>")},
		"dist/favicon.svg":         {Data: []byte("<svg/>")},
		"dist/assets/index-ab1.js": {Data: []byte(strings.Repeat("console.log('doorstep');\n", 100))},
		"dist/.vite/manifest.json": {Data: []byte("{}")},
	})
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/v1/cities", func(c *fiber.Ctx) error { return c.JSON([]string{}) })
	app.Use(s.Handler())
	app.Use(func(c *fiber.Ctx) error {
		return c.Status(404).JSON(fiber.Map{"error": fiber.Map{"code": "route_not_found", "message": "no such endpoint"}})
	})
	return app
}

func get(t *testing.T, app *fiber.App, method, path string, hdr ...string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := app.Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func TestFrontend_EachPageServesItsHTMLForItsClientRoutes(t *testing.T) {
	app := testApp(t)
	for path, want := range map[string]string{
		"/":                        "customer",
		"/my":                      "customer",
		"/city":                    "customer",
		"/index.html":              "customer",
		"/staff/":                  "staff",
		"/staff/my":                "staff",
		"/admin/":                  "admin",
		"/admin/hq/cities":         "admin",
		"/admin/hq/cities/new":     "admin",
		"/administrator-not-admin": "customer",
	} {
		res, body := get(t, app, "GET", path)
		if res.StatusCode != 200 || !strings.Contains(body, "<title>"+want+"</title>") {
			t.Errorf("GET %s: %d %q, want the %s page", path, res.StatusCode, body, want)
		}
		if cc := res.Header.Get("Cache-Control"); cc != "no-cache" {
			t.Errorf("GET %s: Cache-Control %q, want no-cache for html", path, cc)
		}
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("GET %s: Content-Type %q", path, ct)
		}
		if res.Header.Get("Content-Security-Policy") == "" {
			t.Errorf("GET %s: no Content-Security-Policy on a page", path)
		}
	}
}

func TestFrontend_APIPathsStayJSON404(t *testing.T) {
	app := testApp(t)
	for _, path := range []string{"/v1/nope", "/v1", "/v1/staff/jobs", "/sandbox/nope", "/assets/missing-123.js", "/robots.txt", "/.vite/manifest.json"} {
		res, body := get(t, app, "GET", path)
		if res.StatusCode != 404 || !strings.Contains(body, `"route_not_found"`) {
			t.Errorf("GET %s: %d %q, want the JSON 404", path, res.StatusCode, body)
		}
	}
	res, body := get(t, app, "GET", "/v1/cities")
	if res.StatusCode != 200 || body != "[]" {
		t.Errorf("GET /v1/cities: %d %q: the API route must win", res.StatusCode, body)
	}
	res, _ = get(t, app, "POST", "/admin/hq/cities")
	if res.StatusCode != 404 {
		t.Errorf("POST to a page path: %d, want 404", res.StatusCode)
	}
}

func TestFrontend_HashedAssetsCacheForAYearAndGzip(t *testing.T) {
	app := testApp(t)
	res, body := get(t, app, "GET", "/assets/index-ab1.js")
	if res.StatusCode != 200 || !strings.HasPrefix(body, "console.log") {
		t.Fatalf("asset: %d %q", res.StatusCode, body[:min(len(body), 40)])
	}
	if cc := res.Header.Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
		t.Errorf("asset Cache-Control %q", cc)
	}
	if ct := res.Header.Get("Content-Type"); !strings.Contains(ct, "javascript") {
		t.Errorf("asset Content-Type %q", ct)
	}

	res, body = get(t, app, "GET", "/assets/index-ab1.js", "Accept-Encoding", "gzip, br")
	if res.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("no gzip when asked: %v", res.Header)
	}
	zr, err := gzip.NewReader(bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if !strings.HasPrefix(string(plain), "console.log") || len(body) >= len(plain) {
		t.Errorf("gzip body: %d bytes for %d plain", len(body), len(plain))
	}

	etag := res.Header.Get("ETag")
	res, body = get(t, app, "GET", "/assets/index-ab1.js", "Accept-Encoding", "gzip", "If-None-Match", etag)
	if res.StatusCode != 304 || body != "" {
		t.Errorf("revalidation with %s: %d %q, want 304 and no body", etag, res.StatusCode, body)
	}

	res, _ = get(t, app, "GET", "/favicon.svg")
	if res.StatusCode != 200 || res.Header.Get("Cache-Control") != "public, max-age=3600" {
		t.Errorf("favicon: %d %q", res.StatusCode, res.Header.Get("Cache-Control"))
	}
}

func TestFrontend_BarePageDirectoriesRedirectToTheirSlash(t *testing.T) {
	app := testApp(t)
	for _, p := range []string{"/staff", "/admin"} {
		res, _ := get(t, app, "GET", p)
		if res.StatusCode != 301 || res.Header.Get("Location") != p+"/" {
			t.Errorf("GET %s: %d to %q", p, res.StatusCode, res.Header.Get("Location"))
		}
	}
}

// The committed build holds the three pages, each pointing at assets that
// exist: `go run . demo` works with nothing but Go.
func TestFrontend_EmbeddedBuildIsComplete(t *testing.T) {
	s := Load()
	for _, page := range []string{"index.html", "staff.html", "admin.html"} {
		f, ok := s.files[page]
		if !ok {
			t.Fatalf("dist/%s missing: run `npm run build` in web/", page)
		}
		n := 0
		for _, part := range strings.Split(string(f.body), `"/assets/`)[1:] {
			name := "assets/" + part[:strings.IndexByte(part, '"')]
			if !s.Has(name) {
				t.Errorf("%s refers to %s, which is not in dist", page, name)
			}
			n++
		}
		if n == 0 {
			t.Errorf("%s loads no assets", page)
		}
	}
}
