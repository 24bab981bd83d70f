package web

// mountReviews maps the reviews endpoints.
func (s *Server) mountReviews() {}
