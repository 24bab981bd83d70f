package web

// mountPayments maps the payments endpoints.
func (s *Server) mountPayments() {}
