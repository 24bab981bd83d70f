package catalog

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm/clause"

	"doorstep/tenants"
)

// DefaultSkills is the skill set every new city starts with. Bits are fixed
// so masks mean the same in every city that has not changed its skills.
var DefaultSkills = []Skill{
	{Code: "cleaning", Name: "日常保洁", NameEN: "Cleaning", CategoryCode: "daily_cleaning", Bit: 0},
	{Code: "deep_cleaning", Name: "深度保洁", NameEN: "Deep cleaning", CategoryCode: "deep_cleaning", Bit: 1},
	{Code: "appliance_repair", Name: "家电维修", NameEN: "Appliance repair", CategoryCode: "washer_repair", Bit: 2},
	{Code: "ac_repair", Name: "空调维修", NameEN: "Air conditioner repair", CategoryCode: "ac_repair", Bit: 3},
	{Code: "plumbing", Name: "管道疏通", NameEN: "Plumbing", CategoryCode: "pipe_unclog", Bit: 4},
	{Code: "electrical", Name: "水电安装", NameEN: "Electrical work", CategoryCode: "electrical", Bit: 5},
	{Code: "elder_care", Name: "老人陪护", NameEN: "Elder care", CategoryCode: "elder_care", Bit: 6},
	{Code: "nursing", Name: "医疗护理", NameEN: "Nursing", CategoryCode: "nursing", Bit: 7},
	{Code: "foot_massage", Name: "足疗按摩", NameEN: "Foot massage", CategoryCode: "foot_massage", Bit: 8},
	{Code: "tuina", Name: "中医推拿", NameEN: "Tuina massage", CategoryCode: "tuina", Bit: 9},
	{Code: "laundry", Name: "衣物洗护", NameEN: "Laundry", CategoryCode: "clothes_care", Bit: 10},
	{Code: "tutoring_math", Name: "数学辅导", NameEN: "Maths tutoring", CategoryCode: "k12_math", Bit: 11},
	{Code: "pet_grooming", Name: "宠物美容", NameEN: "Pet grooming", CategoryCode: "pet_grooming", Bit: 12},
	{Code: "nanny", Name: "育婴保姆", NameEN: "Nanny and baby care", CategoryCode: "nanny", Bit: 13},
}

// SeedSkills gives ctx's city the default skills (a city.Seeder). Running
// it again adds only what is missing.
func (s *Service) SeedSkills(ctx context.Context) error {
	now := time.Now().UTC()
	rows := make([]Skill, len(DefaultSkills))
	for i, sk := range DefaultSkills {
		sk.CreatedAt = now
		rows[i] = sk
	}
	if err := tenants.DB(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&rows).Error; err != nil {
		return fmt.Errorf("seed skills: %w", err)
	}
	s.forgetSkills(ctx)
	return nil
}

type skillSet struct {
	at     time.Time
	list   []Skill
	byCode map[string]Skill
}

// skillTTL bounds how long a copy keeps a city's skill list.
const skillTTL = 30 * time.Second

func (s *Service) skillSet(ctx context.Context) (skillSet, error) {
	c, err := tenants.MustCity(ctx)
	if err != nil {
		return skillSet{}, err
	}
	s.skillsMu.Lock()
	set, ok := s.skills[c.Schema]
	s.skillsMu.Unlock()
	if ok && time.Since(set.at) < skillTTL {
		return set, nil
	}
	var list []Skill
	if err := tenants.DB(ctx).Order("bit").Find(&list).Error; err != nil {
		return skillSet{}, fmt.Errorf("load skills: %w", err)
	}
	set = skillSet{at: time.Now(), list: list, byCode: make(map[string]Skill, len(list))}
	for _, sk := range list {
		set.byCode[sk.Code] = sk
	}
	s.skillsMu.Lock()
	s.skills[c.Schema] = set
	s.skillsMu.Unlock()
	return set, nil
}

func (s *Service) forgetSkills(ctx context.Context) {
	if c, ok := tenants.CityFrom(ctx); ok {
		s.skillsMu.Lock()
		delete(s.skills, c.Schema)
		s.skillsMu.Unlock()
	}
}

// Skills lists the skills of ctx's city by bit.
func (s *Service) Skills(ctx context.Context) ([]Skill, error) {
	set, err := s.skillSet(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Skill, len(set.list))
	copy(out, set.list)
	return out, nil
}

// SkillMask turns skill codes of ctx's city into a mask; an unknown code
// is a 400 naming it.
func (s *Service) SkillMask(ctx context.Context, codes []string) (uint64, error) {
	set, err := s.skillSet(ctx)
	if err != nil {
		return 0, err
	}
	var mask uint64
	for _, code := range codes {
		sk, ok := set.byCode[code]
		if !ok || sk.Bit < 0 || sk.Bit > 63 {
			return 0, ErrUnknownSkill.WithMessage("no skill %q in this city; see GET /v1/skills", code)
		}
		mask |= 1 << uint(sk.Bit)
	}
	return mask, nil
}

// NormalizeSkills trims, lowercases and de-duplicates skill codes, keeping
// their order.
func NormalizeSkills(codes []string) []string {
	seen := map[string]bool{}
	out := make([]string, 0, len(codes))
	for _, c := range codes {
		c = strings.ToLower(strings.TrimSpace(c))
		if c == "" || seen[c] {
			continue
		}
		seen[c] = true
		out = append(out, c)
	}
	return out
}

// SkillBriefs names skill codes of ctx's city.
func (s *Service) SkillBriefs(ctx context.Context, codes []string) ([]SkillBrief, error) {
	set, err := s.skillSet(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]SkillBrief, 0, len(codes))
	for _, c := range codes {
		sk := set.byCode[c]
		out = append(out, SkillBrief{Code: c, Name: sk.Name, NameEN: sk.NameEN})
	}
	return out, nil
}

// SkillBrief names a skill in other answers.
type SkillBrief struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	NameEN string `json:"name_en"`
}
