package platform

import (
	"time"

	"doorstep/app/stats"
	"doorstep/jobs"
)

// wireStats assembles the statistics capability: the daily rollup of every
// city every 10 minutes (its today and yesterday), and HQ's copy and sum of
// all cities every 5 minutes, so HQ lags a city by at most one HQ run.
func (p *Platform) wireStats() error {
	p.Stats = stats.New(stats.Deps{Reg: p.Reg, Audit: p.Audit, Log: p.Log})
	p.tasks[stats.TaskRollup] = p.Stats.HandleRollup
	p.tasks[stats.TaskPlatform] = p.Stats.HandlePlatform
	p.schedule = append(p.schedule,
		jobs.Periodic{TaskType: stats.TaskRollup, Every: 10 * time.Minute, PerCity: true},
		jobs.Periodic{TaskType: stats.TaskPlatform, Every: 5 * time.Minute})
	return nil
}
