package review

// Service runs the review capability.
type Service struct{}
