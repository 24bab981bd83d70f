// Package journey holds the end-to-end tests that walk whole stories of the
// product through its HTTP API, the way the people in them would: a customer
// from sign-up to after-sales, and HQ from onboarding a city to the figures
// and the cross-city view. It has no code of its own.
package journey
