package merchant

// Service runs the merchant capability.
type Service struct{}
