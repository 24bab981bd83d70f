package booking

// Service runs the booking capability.
type Service struct{}
