// Package web is the front end: its source (Vue 3 + Vite, see package.json
// and README "Front end") and, in dist/, the built pages, embedded here so
// the binary serves them with no other files:
//
//	/          customer H5 (index.html)
//	/staff/    staff app (staff.html)
//	/admin/    back offices: merchant, city and HQ (admin.html)
//	/assets/   hashed scripts, styles and images
//
// Every other path that is not an API path falls back to the customer H5,
// so its client-side routes load on refresh. /v1 and /sandbox paths are
// never answered here: they fall through to the API's JSON 404.
//
// Hashed assets are cached for a year; html is revalidated on every load
// (no-cache with an ETag). Text files are gzipped once, on first request.
//
// It imports only fiber and the standard library.
package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"path"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"
)

//go:embed all:dist
var dist embed.FS

const (
	cacheImmutable  = "public, max-age=31536000, immutable"
	cacheRevalidate = "no-cache"
	cacheShort      = "public, max-age=3600"

	// The pages run only their own scripts, talk only to this origin and
	// are not framed by other sites. Inline styles are needed by Vant and
	// Element Plus.
	contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
		"img-src 'self' data: blob: https:; font-src 'self' data:; connect-src 'self'; " +
		"frame-ancestors 'self'; base-uri 'self'; form-action 'self'; object-src 'none'"
)

// file is one embedded file, ready to send.
type file struct {
	body  []byte
	ctype string
	etag  string
	gzOK  bool

	gzOnce sync.Once
	gz     []byte
}

func (f *file) gzipped() []byte {
	f.gzOnce.Do(func() {
		var b bytes.Buffer
		w, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		_, _ = w.Write(f.body)
		_ = w.Close()
		if b.Len() < len(f.body) {
			f.gz = b.Bytes()
		}
	})
	return f.gz
}

// Site is the embedded front end.
type Site struct {
	files map[string]*file // by path inside dist, e.g. "assets/index-abc.js"
}

var (
	siteOnce sync.Once
	site     *Site
)

// Load reads every embedded file once.
func Load() *Site {
	siteOnce.Do(func() { site = load(dist) })
	return site
}

func load(fsys fs.FS) *Site {
	s := &Site{files: map[string]*file{}}
	sub, err := fs.Sub(fsys, "dist")
	if err != nil {
		return s
	}
	_ = fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasPrefix(d.Name(), ".") && p != "." {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		body, err := fs.ReadFile(sub, p)
		if err != nil {
			return err
		}
		ext := path.Ext(p)
		ctype := mime.TypeByExtension(ext)
		if ctype == "" {
			ctype = "application/octet-stream"
		}
		sum := sha256.Sum256(body)
		s.files[p] = &file{
			body:  body,
			ctype: ctype,
			etag:  `"` + hex.EncodeToString(sum[:12]) + `"`,
			gzOK:  len(body) > 512 && compressible(ext),
		}
		return nil
	})
	return s
}

func compressible(ext string) bool {
	switch ext {
	case ".js", ".mjs", ".css", ".html", ".svg", ".json", ".txt", ".map", ".xml":
		return true
	}
	return false
}

// Has tells whether the build holds a file (path inside dist).
func (s *Site) Has(name string) bool { _, ok := s.files[name]; return ok }

// Handler serves the front end; see the package comment.
func Handler() fiber.Handler { return Load().Handler() }

// Handler serves this site's files and pages, and passes on what is not
// its own.
func (s *Site) Handler() fiber.Handler {
	return func(c *fiber.Ctx) error {
		m := c.Method()
		if m != fiber.MethodGet && m != fiber.MethodHead {
			return c.Next()
		}
		p := c.Path()
		if apiPath(p) {
			return c.Next()
		}
		name := strings.TrimPrefix(p, "/")
		if f, ok := s.files[name]; ok {
			switch {
			case strings.HasPrefix(name, "assets/"):
				return s.send(c, f, cacheImmutable)
			case strings.HasSuffix(name, ".html"):
				return s.send(c, f, cacheRevalidate)
			default:
				return s.send(c, f, cacheShort)
			}
		}
		if strings.HasPrefix(name, "assets/") || strings.Contains(path.Base(p), ".") {
			return c.Next() // a missing file, not a page
		}
		page := "index.html"
		switch {
		case p == "/staff" || p == "/admin":
			return c.Redirect(p+"/", fiber.StatusMovedPermanently)
		case strings.HasPrefix(p, "/staff/"):
			page = "staff.html"
		case strings.HasPrefix(p, "/admin/"):
			page = "admin.html"
		}
		f, ok := s.files[page]
		if !ok {
			return c.Next()
		}
		return s.send(c, f, cacheRevalidate)
	}
}

// apiPath: paths the API owns, whose unknown routes must stay JSON 404s.
func apiPath(p string) bool {
	for _, pre := range []string{"/v1", "/sandbox"} {
		if p == pre || strings.HasPrefix(p, pre+"/") {
			return true
		}
	}
	switch p {
	case "/docs", "/openapi.json", "/healthz", "/readyz", "/metrics":
		return true
	}
	return false
}

func (s *Site) send(c *fiber.Ctx, f *file, cache string) error {
	body, etag := f.body, f.etag
	if f.gzOK {
		c.Vary(fiber.HeaderAcceptEncoding)
		if strings.Contains(c.Get(fiber.HeaderAcceptEncoding), "gzip") {
			if gz := f.gzipped(); gz != nil {
				body = gz
				etag = strings.TrimSuffix(etag, `"`) + `-gz"`
				c.Set(fiber.HeaderContentEncoding, "gzip")
			}
		}
	}
	c.Set(fiber.HeaderContentType, f.ctype)
	c.Set(fiber.HeaderCacheControl, cache)
	c.Set(fiber.HeaderETag, etag)
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	if strings.HasPrefix(f.ctype, "text/html") {
		c.Set(fiber.HeaderContentSecurityPolicy, contentSecurityPolicy)
		c.Set(fiber.HeaderReferrerPolicy, "strict-origin-when-cross-origin")
	}
	if match := c.Get(fiber.HeaderIfNoneMatch); match != "" && etagMatch(match, etag) {
		c.Response().Header.Del(fiber.HeaderContentEncoding)
		c.Status(fiber.StatusNotModified)
		return nil
	}
	return c.Status(fiber.StatusOK).Send(body)
}

func etagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}
