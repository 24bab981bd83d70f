package web

import "github.com/gofiber/fiber/v2"

// Guards exposes the middleware a city route with a permission runs, for
// the benchmark in bench_test.go.
func (s *Server) Guards(perm string) []fiber.Handler {
	res, act := perm, ""
	for i := range perm {
		if perm[i] == ':' {
			res, act = perm[:i], perm[i+1:]
		}
	}
	return []fiber.Handler{s.resolveCity, s.authenticate(true), s.openCity, s.authorize(res, act)}
}

// RouteInfo is what the sweep tests need to know about a route.
type RouteInfo struct {
	Method, Path, Perm string
	City, Auth         bool
}

// RouteTable lists the routes.
func (s *Server) RouteTable() []RouteInfo {
	var out []RouteInfo
	for _, r := range s.routes {
		out = append(out, RouteInfo{Method: r.Method, Path: r.Path, Perm: r.Perm, City: r.City, Auth: r.Perm != "" || r.Access == signedIn})
	}
	return out
}
