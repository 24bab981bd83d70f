package web

// mountMerchants maps the merchants endpoints.
func (s *Server) mountMerchants() {}
