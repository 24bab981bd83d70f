package web

// mountStaff maps the staff endpoints.
func (s *Server) mountStaff() {}
