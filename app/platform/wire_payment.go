package platform

// wirePayment assembles the payment capability.
func (p *Platform) wirePayment() error { return nil }
