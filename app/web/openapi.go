package web

import (
	"encoding/json"
	"fmt"
	"html"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

// The OpenAPI document is generated from the route table, so it cannot drift
// from what is served; openapi_test.go checks both directions anyway.

var pathParam = regexp.MustCompile(`:([A-Za-z_]+)`)

type schemaGen struct {
	components map[string]any
}

func (g *schemaGen) schema(t reflect.Type) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t {
	case reflect.TypeOf(time.Time{}):
		return map[string]any{"type": "string", "format": "date-time"}
	case reflect.TypeOf(json.RawMessage{}):
		return map[string]any{}
	case reflect.TypeOf(time.Duration(0)):
		return map[string]any{"type": "integer", "description": "nanoseconds"}
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return map[string]any{"type": "string", "format": "byte"}
		}
		return map[string]any{"type": "array", "items": g.schema(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.schema(t.Elem())}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Struct:
		name := schemaName(t)
		if _, ok := g.components[name]; !ok {
			g.components[name] = map[string]any{} // placeholder breaks recursion
			g.components[name] = g.object(t)
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	}
	return map[string]any{}
}

func (g *schemaGen) object(t reflect.Type) map[string]any {
	props := map[string]any{}
	var required []string
	g.fields(t, props, &required)
	o := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		sort.Strings(required)
		o["required"] = required
	}
	return o
}

func (g *schemaGen) fields(t reflect.Type, props map[string]any, required *[]string) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("json")
		name := strings.Split(tag, ",")[0]
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				g.fields(ft, props, required)
				continue
			}
		}
		if name == "" {
			name = f.Name
		}
		s := g.schema(f.Type)
		if d := f.Tag.Get("doc"); d != "" {
			s = map[string]any{"allOf": []any{s}, "description": d}
		}
		props[name] = s
		if strings.Contains(f.Tag.Get("validate"), "required") {
			*required = append(*required, name)
		}
	}
}

func schemaName(t reflect.Type) string {
	n := t.Name()
	if i := strings.IndexByte(n, '['); i >= 0 {
		inner := n[i+1 : len(n)-1]
		if j := strings.LastIndexAny(inner, "./"); j >= 0 {
			inner = inner[j+1:]
		}
		n = n[:i] + "Of" + inner
	}
	pkg := t.PkgPath()
	if j := strings.LastIndexByte(pkg, '/'); j >= 0 {
		pkg = pkg[j+1:]
	}
	if pkg == "web" || pkg == "" {
		return n
	}
	return strings.ToUpper(pkg[:1]) + pkg[1:] + n
}

// OpenAPI builds the OpenAPI 3 document of every registered route.
func (s *Server) OpenAPI() map[string]any {
	g := &schemaGen{components: map[string]any{}}
	errRef := g.schema(reflect.TypeOf(errorBody{}))
	paths := map[string]map[string]any{}
	for _, r := range s.routes {
		p := pathParam.ReplaceAllString(r.Path, "{$1}")
		if paths[p] == nil {
			paths[p] = map[string]any{}
		}
		op := map[string]any{"summary": r.Summary, "tags": []string{r.Tag}, "operationId": opID(r)}
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(r.Path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		if r.City {
			params = append(params, map[string]any{"name": "X-City", "in": "header", "required": false,
				"description": "city code (or use the city's host name <code>.<base domain>)", "schema": map[string]any{"type": "string", "example": "sz"}})
		}
		if r.Idem {
			params = append(params, map[string]any{"name": "Idempotency-Key", "in": "header", "required": false,
				"description": "same key and body replay the first answer; same key with another body is 422", "schema": map[string]any{"type": "string", "maxLength": 128}})
		}
		if r.QueryToken {
			params = append(params, map[string]any{"name": "access_token", "in": "query", "required": false,
				"description": "for EventSource, which cannot send headers: the access token (never a refresh token) when no Authorization header is sent; accepted on this route only",
				"schema":      map[string]any{"type": "string"}})
		}
		if r.Query != nil {
			qt := reflect.TypeOf(r.Query)
			for _, f := range queryFields(qt) {
				params = append(params, map[string]any{"name": f.name, "in": "query", "required": f.required, "schema": g.schema(f.typ)})
			}
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		if r.Body != nil {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": g.schema(reflect.TypeOf(r.Body))}}}
		}
		st := r.Status
		if st == 0 {
			st = 200
		}
		resp := map[string]any{"description": "success"}
		if r.Resp != nil {
			ct := r.Produce
			if ct == "" {
				ct = "application/json"
			}
			sch := map[string]any{"type": "string"}
			if ct == "application/json" {
				sch = g.schema(reflect.TypeOf(r.Resp))
			}
			resp["content"] = map[string]any{ct: map[string]any{"schema": sch}}
		}
		responses := map[string]any{fmt.Sprint(st): resp,
			"default": map[string]any{"description": "error", "content": map[string]any{"application/json": map[string]any{"schema": errRef}}}}
		op["responses"] = responses
		if r.Access == signedIn || r.Perm != "" {
			op["security"] = []any{map[string]any{"bearer": []string{}}}
		}
		if r.Perm != "" {
			op["x-permission"] = r.Perm
		}
		paths[p][strings.ToLower(r.Method)] = op
	}
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{"title": "Doorstep API", "version": s.cfg.Version,
			"description": "Doorstep runs on-site service platforms (上门服务) for many cities. City-scoped endpoints take the city from the Host subdomain or the X-City header. Errors are {\"error\":{\"code\",\"message\"}}. Money is integer fen; times are RFC 3339 in UTC."},
		"servers":    []any{map[string]any{"url": s.cfg.PublicURL}},
		"paths":      paths,
		"components": map[string]any{"schemas": g.components, "securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}},
	}
}

func opID(r *route) string {
	p := pathParam.ReplaceAllString(r.Path, "by_$1")
	p = strings.NewReplacer("/", "_", "-", "_", ".", "_").Replace(p)
	return strings.ToLower(r.Method) + "_" + strings.Trim(p, "_")
}

type qfield struct {
	name     string
	typ      reflect.Type
	required bool
}

func queryFields(t reflect.Type) []qfield {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var out []qfield
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous {
			out = append(out, queryFields(f.Type)...)
			continue
		}
		n := strings.Split(f.Tag.Get("query"), ",")[0]
		if n == "" || n == "-" {
			continue
		}
		out = append(out, qfield{name: n, typ: f.Type, required: strings.Contains(f.Tag.Get("validate"), "required")})
	}
	return out
}

func (s *Server) openapiJSON() fiber.Handler {
	var cached []byte
	return func(c *fiber.Ctx) error {
		if cached == nil {
			b, err := json.MarshalIndent(s.OpenAPI(), "", "  ")
			if err != nil {
				return err
			}
			cached = b
		}
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
		return c.Send(cached)
	}
}

// docsPage renders the API as one self-contained HTML page (no CDN: it must
// work on a machine with no outside network).
func (s *Server) docsPage() fiber.Handler {
	var cached string
	return func(c *fiber.Ctx) error {
		if cached == "" {
			byTag := map[string][]*route{}
			var tags []string
			for _, r := range s.routes {
				if _, ok := byTag[r.Tag]; !ok {
					tags = append(tags, r.Tag)
				}
				byTag[r.Tag] = append(byTag[r.Tag], r)
			}
			var b strings.Builder
			b.WriteString(`<!doctype html><html lang="zh"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Doorstep API</title>
<style>body{font:15px/1.5 system-ui,-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#1f2328}
h1{margin-bottom:0}code{background:#f3f4f6;padding:1px 5px;border-radius:4px}table{border-collapse:collapse;width:100%;margin:.5em 0 1.5em}
td,th{border-bottom:1px solid #e5e7eb;padding:6px 8px;text-align:left;vertical-align:top}.m{font-weight:600;font-family:monospace}
.GET{color:#0969da}.POST{color:#1a7f37}.PUT,.PATCH{color:#9a6700}.DELETE{color:#cf222e}.tag{font-size:12px;color:#57606a}</style></head><body>`)
			b.WriteString(`<h1>Doorstep API</h1><p>上门服务平台 API. Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3). City endpoints need <code>X-City: &lt;code&gt;</code> or the city host. Signed-in endpoints need <code>Authorization: Bearer &lt;token&gt;</code>. Errors: <code>{"error":{"code","message"}}</code>. Money in fen (分).</p>`)
			for _, t := range tags {
				fmt.Fprintf(&b, "<h2>%s</h2><table><tr><th>Method</th><th>Path</th><th>What</th><th>Who</th></tr>", html.EscapeString(t))
				for _, r := range byTag[t] {
					who := "anyone"
					switch {
					case r.Perm != "":
						who = "permission <code>" + html.EscapeString(r.Perm) + "</code>"
					case r.Access == signedIn:
						who = "signed in"
					}
					if r.City {
						who += ` <span class="tag">city</span>`
					}
					fmt.Fprintf(&b, `<tr><td class="m %s">%s</td><td><code>%s</code></td><td>%s</td><td>%s</td></tr>`, r.Method, r.Method, html.EscapeString(r.Path), html.EscapeString(r.Summary), who)
				}
				b.WriteString("</table>")
			}
			b.WriteString("</body></html>")
			cached = b.String()
		}
		c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
		return c.SendString(cached)
	}
}
