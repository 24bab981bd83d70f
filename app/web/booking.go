package web

// mountBooking maps the booking endpoints.
func (s *Server) mountBooking() {}
