package web

import frontend "doorstep/web"

// mountFrontend serves the built front end (package doorstep/web) for the
// GET and HEAD requests no API route took: the customer H5 at /, the staff
// app at /staff/, the back offices at /admin/, hashed files at /assets/,
// each page's html as the fallback for its client-side routes. Unknown /v1
// and /sandbox paths pass through to the JSON 404. It is a middleware (Use),
// not routes, so the OpenAPI document lists only the API; mount() calls it
// last, after every route.
func (s *Server) mountFrontend() {
	s.app.Use(frontend.Handler())
}
