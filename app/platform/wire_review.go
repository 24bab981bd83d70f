package platform

// wireReview assembles the review capability.
func (p *Platform) wireReview() error { return nil }
