package platform

// wireBooking assembles the booking capability.
func (p *Platform) wireBooking() error { return nil }
