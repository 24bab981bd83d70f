package platform

import (
	"time"

	"doorstep/app/city"
	"doorstep/app/privacy"
	"doorstep/jobs"
)

// wireHQ assembles headquarters' work across cities: the cross-city lists,
// platform-wide policies (booking falls back to them: the booking service
// asks HQ's short cache, never HQ inside a city transaction), moving a city
// between placements, and the privacy jobs. Re-sealing runs every 6 hours
// in every city and in HQ (a finished pass is repeated daily at most), and
// on demand (POST /v1/hq/privacy/reseal).
func (p *Platform) wireHQ() error {
	p.HQ = city.NewHQ(city.HQDeps{Reg: p.Reg, Box: p.Box, Booking: p.Booking, Audit: p.Audit, Notify: citiesNotifier{p.Bus}, Log: p.Log})
	p.Booking.UsePlatformDefaults(p.HQ)
	p.Privacy = privacy.New(privacy.Deps{Reg: p.Reg, Box: p.Box, Outbox: p.Outbox, Audit: p.Audit, Booking: p.Booking, Log: p.Log})
	p.tasks[privacy.TaskReseal] = p.Privacy.HandleReseal
	p.tasks[privacy.TaskResealHQ] = p.Privacy.HandleReseal
	p.schedule = append(p.schedule,
		jobs.Periodic{TaskType: privacy.TaskReseal, Every: 6 * time.Hour, PerCity: true},
		jobs.Periodic{TaskType: privacy.TaskResealHQ, Every: 6 * time.Hour})
	return nil
}
