package platform

// wireSupply assembles the supply capability.
func (p *Platform) wireSupply() error { return nil }
