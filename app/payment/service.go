package payment

// Service runs the payment capability.
type Service struct{}
