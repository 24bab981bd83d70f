package staff

// Service runs the staff capability.
type Service struct{}
