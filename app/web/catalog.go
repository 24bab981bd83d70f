package web

// mountCatalog maps the catalog endpoints.
func (s *Server) mountCatalog() {}
