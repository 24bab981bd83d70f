package web

// mountInbox maps the inbox endpoints.
func (s *Server) mountInbox() {}
