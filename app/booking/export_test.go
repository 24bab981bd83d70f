package booking

import "time"

// ForTest returns a copy of s that refunds through r and, when now is not
// nil, reads the time from now: for tests of rules that depend on either.
// It shares everything else (database, live hub, outbox) with s.
func (s *Service) ForTest(r Refunder, now func() time.Time) *Service {
	c := &Service{box: s.box, out: s.out, notify: s.notify, audit: s.audit, cat: s.cat, mer: s.mer, staff: s.staff, log: s.log,
		now: s.now, live: s.live, pricer: noDiscount{}, refunder: r}
	if now != nil {
		c.now = func() time.Time { return now().UTC().Truncate(time.Microsecond) }
	}
	return c
}
