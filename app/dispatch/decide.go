package dispatch

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"

	"doorstep/app/geo"
)

// The hard filters, in the order a candidate is judged; the explanation
// names the first one a candidate fails.
const (
	RuleWrongMerchant   = "wrong_merchant"   // works for another merchant
	RuleNotOnDuty       = "not_on_duty"      // not taking jobs now
	RuleMissingSkill    = "missing_skill"    // lacks a skill the service needs
	RuleCertInvalid     = "cert_invalid"     // no verified, unexpired certification for a skill that needs one
	RuleLowRating       = "low_rating"       // rated below the policy's min_rating
	RuleOutOfArea       = "out_of_area"      // the address is outside their area (their own, else the merchant's)
	RuleNotWorking      = "not_working"      // not a working day or hours for them, or a day off
	RuleBusy            = "busy"             // another job overlaps the slot
	RuleOverDailyCap    = "over_daily_cap"   // as many jobs that day as the policy allows
	RuleAlreadyDeclined = "already_declined" // refused or let an offer of this order time out
)

// Rules lists the hard filters in the order they are checked.
var Rules = []string{RuleWrongMerchant, RuleNotOnDuty, RuleMissingSkill, RuleCertInvalid, RuleLowRating, RuleOutOfArea,
	RuleNotWorking, RuleBusy, RuleOverDailyCap, RuleAlreadyDeclined}

// job is what is being dispatched.
type job struct {
	OrderID    int64
	MerchantID int64
	CustomerID int64
	Skills     uint64
	CertSkills uint64            // the order's skills that need a certification under the policy
	CertCodes  map[string]uint64 // their codes and bits
	Start      time.Time
	UnitsEnd   time.Time // end of the last 30-minute unit the job reserves
	DurMin     int
	At         geo.Point
	Day        string // city date of Start
	Loc        *time.Location
}

// candidate is an index entry found near the address with what dispatch
// knows of the person.
type candidate struct {
	e    geo.Entry
	dist float64
	m    *member
}

// facts are the set-based database reads of one decision, each about the
// candidates only.
type facts struct {
	area    geo.Area         // the merchant's service area
	busy    map[int64]bool   // a reservation overlaps the job's units
	dayOff  map[int64]bool   // a day off on the job's date
	certs   map[int64]uint64 // skills with a valid certification on the job's date
	loads   map[int64]int    // jobs on the job's date; nil: the entries' Load (the job is today)
	past    map[int64]bool   // served this customer before and was rated 4 or more
	refused map[int64]bool   // declined, let time out or failed an offer of this order
}

// Score is a qualified candidate's score: each part in [0, 1] and their
// weighted mean.
type Score struct {
	Distance   float64 `json:"distance"`
	Rating     float64 `json:"rating"`
	Load       float64 `json:"load"`
	Acceptance float64 `json:"acceptance"`
	PastStaff  float64 `json:"past_staff"`
	Total      float64 `json:"total"`
}

// Considered is one candidate in an explanation: the rule that excluded
// them, or their score and rank.
type Considered struct {
	StaffID   int64  `json:"staff_id"`
	Name      string `json:"name"`
	DistanceM int    `json:"distance_m"`
	Load      int    `json:"load" doc:"jobs on the order's day"`
	Rule      string `json:"rule,omitempty" doc:"the hard filter that excluded them"`
	Note      string `json:"note,omitempty"`
	Score     *Score `json:"score,omitempty"`
	Rank      int    `json:"rank,omitempty" doc:"1 = best among the qualified"`
	Chosen    bool   `json:"chosen,omitempty"`
}

// Explanation is the record of one decision: every candidate considered,
// the rule that excluded each or their score, and the choice.
type Explanation struct {
	OrderID       int64        `json:"order_id"`
	Round         int          `json:"round"`
	Mode          string       `json:"mode"`
	Outcome       string       `json:"outcome"`
	Reason        string       `json:"reason,omitempty" doc:"why it escalated: no_candidate | max_rounds"`
	ChosenStaffID int64        `json:"chosen_staff_id"`
	BestStaffID   int64        `json:"best_staff_id,omitempty" doc:"manual: whom smart dispatch ranks first"`
	SlotStart     time.Time    `json:"slot_start"`
	RadiusM       int          `json:"radius_m"`
	Weights       Weights      `json:"weights"`
	Considered    int          `json:"considered"`
	Qualified     int          `json:"qualified"`
	Candidates    []Considered `json:"candidates"`
	TookUS        int64        `json:"took_us"`
}

// Priors that keep a newcomer's few data points from deciding alone.
const (
	ratingPrior       = 4.5 // stars
	ratingPriorWeight = 3   // reviews
	acceptPrior       = 0.8
	acceptPriorWeight = 5 // offers
)

// judge is the decision itself, a pure function: it applies the hard
// filters to every candidate in turn (nearest first), scores those who pass,
// and picks the highest score (ties: nearer, then lower id). It fills the
// explanation's candidates, counts and best choice; the caller sets the
// rest.
func judge(j job, pol Policy, cands []candidate, f facts) Explanation {
	ex := Explanation{OrderID: j.OrderID, SlotStart: j.Start, RadiusM: pol.RadiusM, Weights: pol.Weights, Considered: len(cands),
		Candidates: make([]Considered, len(cands))}
	wsum := pol.Weights.sum()
	type ranked struct {
		i     int
		total float64
	}
	var pass []ranked
	for i := range cands {
		c := &cands[i]
		load := c.e.Load
		if f.loads != nil {
			load = f.loads[c.e.ID]
		}
		out := &ex.Candidates[i]
		*out = Considered{StaffID: c.e.ID, Name: c.m.Name, DistanceM: int(math.Round(c.dist)), Load: load}
		out.Rule, out.Note = check(j, pol, c, f, load)
		if out.Rule != "" {
			continue
		}
		sc := score(pol, c, f, load, wsum)
		out.Score = &sc
		pass = append(pass, ranked{i, sc.Total})
	}
	slices.SortStableFunc(pass, func(a, b ranked) int {
		return cmp.Or(cmp.Compare(b.total, a.total), cmp.Compare(cands[a.i].dist, cands[b.i].dist), cmp.Compare(cands[a.i].e.ID, cands[b.i].e.ID))
	})
	for r, p := range pass {
		ex.Candidates[p.i].Rank = r + 1
	}
	ex.Qualified = len(pass)
	if len(pass) > 0 {
		ex.BestStaffID = cands[pass[0].i].e.ID
	}
	return ex
}

// check returns the first hard filter c fails, with a note for people.
func check(j job, pol Policy, c *candidate, f facts, load int) (string, string) {
	e, m := &c.e, c.m
	switch {
	case e.MerchantID != j.MerchantID:
		return RuleWrongMerchant, ""
	case !e.OnDuty:
		return RuleNotOnDuty, ""
	case e.Skills&j.Skills != j.Skills:
		return RuleMissingSkill, fmt.Sprintf("lacks %d of the service's skills", popcount(j.Skills&^e.Skills))
	case pol.RequireValidCert && j.CertSkills != 0 && f.certs[e.ID]&j.CertSkills != j.CertSkills:
		return RuleCertInvalid, "no verified, unexpired certification for a skill that needs one"
	case pol.MinRating > 0 && m.RatingCount > 0 && m.Rating < pol.MinRating:
		return RuleLowRating, fmt.Sprintf("rated %.2f, below %.2f", m.Rating, pol.MinRating)
	}
	area := f.area
	if m.Area != nil {
		area = *m.Area
	}
	if !area.Contains(j.At) {
		if m.Area != nil {
			return RuleOutOfArea, "outside their own service area"
		}
		return RuleOutOfArea, "outside the merchant's service area"
	}
	ls := j.Start.In(j.Loc)
	if m.WorkDays&(1<<int(ls.Weekday())) == 0 {
		return RuleNotWorking, "does not work on " + ls.Weekday().String() + "s"
	}
	if sm := ls.Hour()*60 + ls.Minute(); sm < m.WorkStartMin || sm+j.DurMin > m.WorkEndMin {
		return RuleNotWorking, fmt.Sprintf("works %02d:%02d-%02d:%02d", m.WorkStartMin/60, m.WorkStartMin%60, m.WorkEndMin/60, m.WorkEndMin%60)
	}
	if f.dayOff[e.ID] {
		return RuleNotWorking, "day off on " + j.Day
	}
	if f.busy[e.ID] {
		return RuleBusy, "another job overlaps this time"
	}
	if load >= pol.DailyLoadCap {
		return RuleOverDailyCap, fmt.Sprintf("%d jobs on %s, the cap is %d", load, j.Day, pol.DailyLoadCap)
	}
	if f.refused[e.ID] {
		return RuleAlreadyDeclined, "declined or let an earlier offer of this order time out"
	}
	return "", ""
}

func score(pol Policy, c *candidate, f facts, load int, wsum float64) Score {
	w := pol.Weights
	var s Score
	s.Distance = clamp01(1 - c.dist/float64(pol.RadiusM))
	n := float64(c.m.RatingCount)
	s.Rating = clamp01((c.m.Rating*n + ratingPrior*ratingPriorWeight) / (n + ratingPriorWeight) / 5)
	s.Load = clamp01(1 - float64(load)/float64(pol.DailyLoadCap))
	s.Acceptance = clamp01((float64(c.m.OffersAccepted) + acceptPrior*acceptPriorWeight) / (float64(c.m.OffersReceived) + acceptPriorWeight))
	if f.past[c.e.ID] {
		s.PastStaff = 1
	}
	s.Total = (w.Distance*s.Distance + w.Rating*s.Rating + w.Load*s.Load + w.Acceptance*s.Acceptance + w.PastStaff*s.PastStaff) / wsum
	s.Distance, s.Rating, s.Load, s.Acceptance, s.Total = round4(s.Distance), round4(s.Rating), round4(s.Load), round4(s.Acceptance), round4(s.Total)
	return s
}

func clamp01(v float64) float64 { return min(max(v, 0), 1) }

func round4(v float64) float64 { return math.Round(v*1e4) / 1e4 }

func popcount(x uint64) int {
	n := 0
	for ; x != 0; x &= x - 1 {
		n++
	}
	return n
}
