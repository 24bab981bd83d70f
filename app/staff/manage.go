package staff

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"doorstep/app"
	"doorstep/app/catalog"
	"doorstep/app/geo"
	"doorstep/app/merchant"
	"doorstep/rbac"
	"doorstep/tenants"
)

// Input adds a staff member by phone.
type Input struct {
	Phone           string    `json:"phone" validate:"required" doc:"the person signs in with this number and finds the staff role waiting"`
	DisplayName     string    `json:"display_name" validate:"required"`
	PhotoURL        string    `json:"photo_url"`
	Bio             string    `json:"bio"`
	YearsExperience int       `json:"years_experience"`
	Skills          []string  `json:"skills" doc:"skill codes (GET /v1/skills)"`
	Area            *geo.Area `json:"area" doc:"where they work; absent: the shop's area"`
	WorkStart       string    `json:"work_start" doc:"city time, e.g. 08:00 (default)"`
	WorkEnd         string    `json:"work_end" doc:"city time, e.g. 20:00 (default)"`
	WorkDays        []int     `json:"work_days" doc:"0 (Sunday) to 6; default every day"`
}

// Update changes a staff member; absent fields stay.
type Update struct {
	DisplayName     *string   `json:"display_name"`
	PhotoURL        *string   `json:"photo_url"`
	Bio             *string   `json:"bio"`
	YearsExperience *int      `json:"years_experience"`
	Skills          *[]string `json:"skills"`
	Area            *geo.Area `json:"area"`
	ClearArea       bool      `json:"clear_area" doc:"true: use the shop's area again"`
	WorkStart       *string   `json:"work_start"`
	WorkEnd         *string   `json:"work_end"`
	WorkDays        *[]int    `json:"work_days"`
}

// View is a staff member as their merchant (and the city) sees them.
type View struct {
	Staff
	Phone          string               `json:"phone"` // masked
	SkillNames     []catalog.SkillBrief `json:"skill_names"`
	Area           *geo.Area            `json:"area"`
	WorkStart      string               `json:"work_start"`
	WorkEnd        string               `json:"work_end"`
	WorkDays       []int                `json:"work_days"`
	Location       *geo.Point           `json:"location,omitempty"`
	LocatedAt      *time.Time           `json:"located_at,omitempty"`
	Certifications []CertView           `json:"certifications,omitempty"`
	DaysOff        []string             `json:"days_off,omitempty" doc:"upcoming days off, city dates"`
}

func dayList(mask int) []int {
	out := []int{}
	for d := 0; d < 7; d++ {
		if mask&(1<<d) != 0 {
			out = append(out, d)
		}
	}
	return out
}

// view builds the merchant's view of rows; phones come from HQ, so call it
// outside any city transaction.
func (s *Service) views(ctx context.Context, rows []Staff) ([]View, error) {
	ids := make([]int64, 0, len(rows))
	for _, r := range rows {
		ids = append(ids, r.AccountID)
	}
	briefs, err := s.accounts.Briefs(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]View, 0, len(rows))
	for _, r := range rows {
		v := View{Staff: r, Phone: briefs[r.AccountID].Phone, Area: r.Area, WorkStart: merchant.ClockText(r.WorkStartMin),
			WorkEnd: merchant.ClockText(r.WorkEndMin), WorkDays: dayList(r.WorkDays), LocatedAt: r.LocatedAt}
		if r.LocatedAt != nil {
			v.Location = &geo.Point{Lat: r.Lat, Lng: r.Lng}
		}
		if v.SkillNames, err = s.catalog.SkillBriefs(ctx, r.Skills); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// detail is one view with certifications and upcoming days off.
func (s *Service) detail(ctx context.Context, st Staff) (View, error) {
	vs, err := s.views(ctx, []Staff{st})
	if err != nil {
		return View{}, err
	}
	v := vs[0]
	if v.Certifications, err = s.certViews(ctx, "staff_id = ?", st.ID); err != nil {
		return View{}, err
	}
	c, _ := tenants.MustCity(ctx)
	today := time.Now().In(c.Loc)
	days, err := s.DaysOff(ctx, st.ID, today, today.AddDate(1, 0, 0))
	if err != nil {
		return View{}, err
	}
	v.DaysOff = make([]string, len(days))
	for i, d := range days {
		v.DaysOff[i] = d.Format(time.DateOnly)
	}
	return v, nil
}

func checkText(field, v string, min, max int) (string, error) {
	v = strings.TrimSpace(v)
	if n := utf8.RuneCountInString(v); n < min || n > max {
		if min > 0 {
			return "", app.Invalid(field, fmt.Sprintf("%d to %d characters", min, max))
		}
		return "", app.Invalid(field, fmt.Sprintf("at most %d characters", max))
	}
	return v, nil
}

func checkWork(start, end string, days []int) (int, int, int, error) {
	if start == "" {
		start = "08:00"
	}
	if end == "" {
		end = "20:00"
	}
	sm, ok := merchant.ParseClock(start)
	if !ok || sm%30 != 0 {
		return 0, 0, 0, app.Invalid("work_start", "a time like 08:00 or 08:30")
	}
	em, ok := merchant.ParseClock(end)
	if !ok || em%30 != 0 {
		return 0, 0, 0, app.Invalid("work_end", "a time like 20:00 or 20:30")
	}
	if sm >= em {
		return 0, 0, 0, app.Invalid("work_end", "must be after work_start")
	}
	mask := 0
	for _, d := range days {
		if d < 0 || d > 6 {
			return 0, 0, 0, app.Invalid("work_days", "0 (Sunday) to 6 (Saturday)")
		}
		mask |= 1 << d
	}
	if len(days) == 0 {
		mask = 127
	}
	return sm, em, mask, nil
}

// checkProfile validates the editable profile of st in place.
func (s *Service) checkProfile(ctx context.Context, st *Staff) error {
	var err error
	if st.DisplayName, err = checkText("display_name", st.DisplayName, 1, 32); err != nil {
		return err
	}
	st.PhotoURL = strings.TrimSpace(st.PhotoURL)
	if st.PhotoURL != "" && !catalog.HTTPURL(st.PhotoURL) {
		return app.Invalid("photo_url", "an http(s) URL")
	}
	if st.Bio, err = checkText("bio", st.Bio, 0, 500); err != nil {
		return err
	}
	if st.YearsExperience < 0 || st.YearsExperience > 60 {
		return app.Invalid("years_experience", "0 to 60")
	}
	st.Skills = catalog.NormalizeSkills(st.Skills)
	if len(st.Skills) == 0 {
		return app.Invalid("skills", "name at least one skill (GET /v1/skills)")
	}
	if len(st.Skills) > 32 {
		return app.Invalid("skills", "at most 32")
	}
	if st.SkillMask, err = s.catalog.SkillMask(ctx, st.Skills); err != nil {
		return err
	}
	return catalog.CheckArea("area", st.Area)
}

// Invite adds a person, found or invited by phone, to the signed-in
// merchant's staff: the staff row, a staff_invited SMS and the staff role
// (with this merchant and staff id) in the city. Inviting someone who left
// brings them back; inviting a current member is 409 staff_exists (and
// repairs their role if it went missing).
func (s *Service) Invite(ctx context.Context, in Input) (View, error) {
	a, err := merchantActor(ctx)
	if err != nil {
		return View{}, err
	}
	c, err := tenants.MustCity(ctx)
	if err != nil {
		return View{}, err
	}
	m, err := s.merchants.Get(ctx, a.MerchantID)
	if err != nil {
		return View{}, err
	}
	sm, em, days, err := checkWork(in.WorkStart, in.WorkEnd, in.WorkDays)
	if err != nil {
		return View{}, err
	}
	now := time.Now().UTC()
	st := Staff{MerchantID: a.MerchantID, DisplayName: in.DisplayName, PhotoURL: in.PhotoURL, Bio: in.Bio, YearsExperience: in.YearsExperience,
		Skills: in.Skills, Area: in.Area, WorkStartMin: sm, WorkEndMin: em, WorkDays: days, Status: StatusActive, CreatedAt: now, UpdatedAt: now}
	if err := s.checkProfile(ctx, &st); err != nil {
		return View{}, err
	}
	acct, _, err := s.accounts.FindOrInviteByPhone(ctx, in.Phone, st.DisplayName) // HQ: before the city transaction
	if err != nil {
		return View{}, err
	}
	st.AccountID = acct
	exists := false
	err = tenants.WithTx(ctx, func(ctx context.Context) error {
		exists = false
		var old Staff
		err := tenants.DB(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).Where("account_id = ? AND merchant_id = ?", acct, a.MerchantID).Take(&old).Error
		switch {
		case err == nil && old.Status == StatusActive:
			exists, st = true, old
			return nil
		case err == nil: // came back: same row, new profile
			st.ID, st.CreatedAt, st.RatingSum, st.RatingCount, st.RatingAvg, st.CompletedJobs = old.ID, old.CreatedAt, old.RatingSum, old.RatingCount, old.RatingAvg, old.CompletedJobs
			if err := tenants.DB(ctx).Select("display_name", "photo_url", "bio", "years_experience", "skills", "skill_mask", "area",
				"work_start_min", "work_end_min", "work_days", "status", "on_duty", "updated_at").Updates(&st).Error; err != nil {
				return err
			}
		case errors.Is(err, gorm.ErrRecordNotFound):
			if err := tenants.DB(ctx).Create(&st).Error; err != nil {
				if tenants.IsDuplicate(err) {
					return ErrStaffExists
				}
				return fmt.Errorf("add staff: %w", err)
			}
		default:
			return err
		}
		return s.notify.Tell(ctx, acct, "staff_invited", map[string]string{"merchant": m.Name},
			map[string]string{"merchant_id": fmt.Sprint(m.ID), "staff_id": fmt.Sprint(st.ID)}, fmt.Sprintf("%d:%d", st.ID, now.UnixNano()))
	})
	if err != nil {
		return View{}, err
	}
	if _, err := s.en.AddGrant(ctx, rbac.Grant{AccountID: acct, Domain: c.Domain(), Role: app.RoleStaff, MerchantID: a.MerchantID, StaffID: st.ID, GrantedBy: a.AccountID}); err != nil {
		return View{}, fmt.Errorf("grant staff role: %w", err)
	}
	if exists {
		return View{}, ErrStaffExists.WithMessage("this person is on your staff already (staff id %d)", st.ID)
	}
	s.moved(ctx, st)
	s.audit.Record(ctx, "staff.invite", "staff", fmt.Sprint(st.ID), "ok", map[string]any{"merchant_id": a.MerchantID})
	return s.detail(ctx, st)
}

// own loads a staff member of the signed-in merchant (404 for anyone
// else's).
func (s *Service) own(ctx context.Context, merchantID, id int64, lock bool) (Staff, error) {
	var st Staff
	q := tenants.DB(ctx)
	if lock {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	err := q.Where("id = ? AND merchant_id = ?", id, merchantID).Take(&st).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return st, ErrStaffNotFound
	}
	return st, err
}

// Filter selects staff.
type Filter struct {
	Status     string `query:"status" validate:"omitempty,oneof=active inactive"`
	Q          string `query:"q" doc:"part of the display name"`
	MerchantID int64  `query:"merchant_id" doc:"city operators only: one merchant's staff"`
	Cursor     string `query:"cursor"`
	Limit      int    `query:"limit"`
}

func (s *Service) list(ctx context.Context, merchantID int64, f Filter) (app.List[View], error) {
	var cur struct {
		ID int64 `json:"id"`
	}
	if err := app.DecodeCursor(f.Cursor, &cur); err != nil {
		return app.List[View]{}, err
	}
	q := tenants.DB(ctx).Model(&Staff{})
	if merchantID != 0 {
		q = q.Where("merchant_id = ?", merchantID)
	}
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if t := strings.TrimSpace(f.Q); t != "" {
		q = q.Where("display_name LIKE ? ESCAPE '!'", catalog.LikeContains(t))
	}
	if cur.ID > 0 {
		q = q.Where("id < ?", cur.ID)
	}
	n := app.Page{Limit: f.Limit}.Size()
	var rows []Staff
	if err := q.Order("id DESC").Limit(n + 1).Find(&rows).Error; err != nil {
		return app.List[View]{}, err
	}
	out := app.List[View]{}
	if len(rows) > n {
		rows = rows[:n]
		cur.ID = rows[n-1].ID
		out.NextCursor = app.EncodeCursor(cur)
	}
	items, err := s.views(ctx, rows)
	out.Items = items
	return out, err
}

// List lists the signed-in merchant's staff, newest first.
func (s *Service) List(ctx context.Context, f Filter) (app.List[View], error) {
	a, err := merchantActor(ctx)
	if err != nil {
		return app.List[View]{}, err
	}
	return s.list(ctx, a.MerchantID, f)
}

// One returns one of the signed-in merchant's staff.
func (s *Service) One(ctx context.Context, id int64) (View, error) {
	a, err := merchantActor(ctx)
	if err != nil {
		return View{}, err
	}
	st, err := s.own(ctx, a.MerchantID, id, false)
	if err != nil {
		return View{}, err
	}
	return s.detail(ctx, st)
}

// AdminList lists the city's staff (city operators), optionally of one
// merchant.
func (s *Service) AdminList(ctx context.Context, f Filter) (app.List[View], error) {
	if _, err := cityOps(ctx); err != nil {
		return app.List[View]{}, err
	}
	return s.list(ctx, f.MerchantID, f)
}

// AdminOne returns any staff member of the city (city operators).
func (s *Service) AdminOne(ctx context.Context, id int64) (View, error) {
	if _, err := cityOps(ctx); err != nil {
		return View{}, err
	}
	st, err := s.Get(ctx, id)
	if err != nil {
		return View{}, err
	}
	return s.detail(ctx, st)
}

// Edit changes one of the signed-in merchant's staff.
func (s *Service) Edit(ctx context.Context, id int64, u Update) (View, error) {
	a, err := merchantActor(ctx)
	if err != nil {
		return View{}, err
	}
	var st Staff
	err = tenants.WithTx(ctx, func(ctx context.Context) error {
		var err error
		if st, err = s.own(ctx, a.MerchantID, id, true); err != nil {
			return err
		}
		if u.DisplayName != nil {
			st.DisplayName = *u.DisplayName
		}
		if u.PhotoURL != nil {
			st.PhotoURL = *u.PhotoURL
		}
		if u.Bio != nil {
			st.Bio = *u.Bio
		}
		if u.YearsExperience != nil {
			st.YearsExperience = *u.YearsExperience
		}
		if u.Skills != nil {
			st.Skills = *u.Skills
		}
		if u.ClearArea {
			st.Area = nil
		} else if u.Area != nil {
			st.Area = u.Area
		}
		start, end, days := merchant.ClockText(st.WorkStartMin), merchant.ClockText(st.WorkEndMin), dayList(st.WorkDays)
		if u.WorkStart != nil {
			start = *u.WorkStart
		}
		if u.WorkEnd != nil {
			end = *u.WorkEnd
		}
		if u.WorkDays != nil {
			days = *u.WorkDays
			if len(days) == 0 {
				return app.Invalid("work_days", "name at least one day; deactivate a person who stops working")
			}
		}
		if st.WorkStartMin, st.WorkEndMin, st.WorkDays, err = checkWork(start, end, days); err != nil {
			return err
		}
		if err := s.checkProfile(ctx, &st); err != nil {
			return err
		}
		st.UpdatedAt = time.Now().UTC()
		return tenants.DB(ctx).Select("display_name", "photo_url", "bio", "years_experience", "skills", "skill_mask", "area",
			"work_start_min", "work_end_min", "work_days", "updated_at").Updates(&st).Error
	})
	if err != nil {
		return View{}, err
	}
	s.moved(ctx, st)
	s.audit.Record(ctx, "staff.update", "staff", fmt.Sprint(st.ID), "ok", nil)
	return s.detail(ctx, st)
}

// Deactivate takes a staff member off the signed-in merchant's team: status
// inactive, off duty, and their staff role removed. History stays.
func (s *Service) Deactivate(ctx context.Context, id int64) (View, error) {
	return s.setStatus(ctx, id, StatusInactive)
}

// Activate brings a deactivated staff member back, role included.
func (s *Service) Activate(ctx context.Context, id int64) (View, error) {
	return s.setStatus(ctx, id, StatusActive)
}

func (s *Service) setStatus(ctx context.Context, id int64, status string) (View, error) {
	a, err := merchantActor(ctx)
	if err != nil {
		return View{}, err
	}
	c, err := tenants.MustCity(ctx)
	if err != nil {
		return View{}, err
	}
	var st Staff
	err = tenants.WithTx(ctx, func(ctx context.Context) error {
		var err error
		if st, err = s.own(ctx, a.MerchantID, id, true); err != nil {
			return err
		}
		st.Status, st.UpdatedAt = status, time.Now().UTC()
		if status == StatusInactive {
			st.OnDuty = false
		}
		return tenants.DB(ctx).Model(&Staff{}).Where("id = ?", st.ID).
			Updates(map[string]any{"status": status, "on_duty": st.OnDuty, "updated_at": st.UpdatedAt}).Error
	})
	if err != nil {
		return View{}, err
	}
	if status == StatusInactive {
		if err := s.en.RemoveGrant(ctx, st.AccountID, c.Domain(), app.RoleStaff, a.MerchantID); err != nil && app.KindOf(err) != app.KindNotFound {
			return View{}, fmt.Errorf("remove staff role: %w", err)
		}
	} else if _, err := s.en.AddGrant(ctx, rbac.Grant{AccountID: st.AccountID, Domain: c.Domain(), Role: app.RoleStaff, MerchantID: a.MerchantID,
		StaffID: st.ID, GrantedBy: a.AccountID}); err != nil {
		return View{}, fmt.Errorf("grant staff role: %w", err)
	}
	s.moved(ctx, st)
	action := "staff.deactivate"
	if status == StatusActive {
		action = "staff.activate"
	}
	s.audit.Record(ctx, action, "staff", fmt.Sprint(st.ID), "ok", nil)
	return s.detail(ctx, st)
}

// DaysOffInput replaces a staff member's upcoming days off.
type DaysOffInput struct {
	Days []string `json:"days" doc:"city dates like 2026-12-01; replaces every day off from today on"`
}

// SetDaysOff replaces the upcoming days off (today on, city time) of one of
// the signed-in merchant's staff; past days stay as they were.
func (s *Service) SetDaysOff(ctx context.Context, id int64, days []string) ([]string, error) {
	a, err := merchantActor(ctx)
	if err != nil {
		return nil, err
	}
	c, err := tenants.MustCity(ctx)
	if err != nil {
		return nil, err
	}
	today := time.Now().In(c.Loc).Format(time.DateOnly)
	last := time.Now().In(c.Loc).AddDate(1, 0, 0).Format(time.DateOnly)
	if len(days) > 200 {
		return nil, app.Invalid("days", "at most 200 days")
	}
	set := map[string]bool{}
	for _, d := range days {
		t, err := time.Parse(time.DateOnly, strings.TrimSpace(d))
		if err != nil {
			return nil, app.Invalid("days", fmt.Sprintf("%q is not a date like 2026-12-01", d))
		}
		ds := t.Format(time.DateOnly)
		if ds < today {
			return nil, app.Invalid("days", fmt.Sprintf("%s is in the past", ds))
		}
		if ds > last {
			return nil, app.Invalid("days", fmt.Sprintf("%s is more than a year ahead", ds))
		}
		set[ds] = true
	}
	out := make([]string, 0, len(set))
	for d := range set {
		out = append(out, d)
	}
	sort.Strings(out)
	err = tenants.WithTx(ctx, func(ctx context.Context) error {
		st, err := s.own(ctx, a.MerchantID, id, true)
		if err != nil {
			return err
		}
		if err := tenants.DB(ctx).Where("staff_id = ? AND day >= ?", st.ID, today).Delete(&DayOff{}).Error; err != nil {
			return err
		}
		for _, d := range out {
			if err := tenants.DB(ctx).Exec("INSERT INTO "+tenants.Table(ctx, "staff_days_off")+" (staff_id, day) VALUES (?, ?)", st.ID, d).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.audit.Record(ctx, "staff.days_off", "staff", fmt.Sprint(id), "ok", map[string]any{"days": len(out)})
	return out, nil
}
