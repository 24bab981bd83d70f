package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"doorstep/app"
	"doorstep/tenants"
)

// Tree is the HQ category tree as loaded into memory. It is rebuilt
// every CategoryTTL and after every category write.
type Tree struct {
	gen      int64
	loadedAt time.Time
	byID     map[int64]Category
	byCode   map[string]Category
	children map[int64][]Category // parent id -> children in display order
	public   []byte               // GET /v1/categories, marshalled once
}

// CategoryNode is one node of the public category tree.
type CategoryNode struct {
	Code     string         `json:"code"`
	Name     string         `json:"name"`
	NameEN   string         `json:"name_en"`
	Icon     string         `json:"icon"`
	Sort     int            `json:"sort"`
	Children []CategoryNode `json:"children,omitempty"`
}

// CategoryBrief names a category in other answers.
type CategoryBrief struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	NameEN string `json:"name_en"`
}

// Tree is the global category tree, loaded from HQ once and shared until
// a category changes (or CategoryTTL passes): marketing and storefront
// read it too. It is never modified once built.
func (s *Service) Tree(ctx context.Context) (*Tree, error) {
	gen := s.catGen.Load()
	if t := s.cats.Load(); t != nil && t.gen == gen && time.Since(t.loadedAt) < s.cfg.CategoryTTL {
		return t, nil
	}
	v, err, _ := s.catSF.Do(strconv.FormatInt(gen, 10), func() (any, error) {
		var rows []Category
		if err := s.reg.HQ(context.WithoutCancel(ctx)).Order("parent_id, sort, id").Find(&rows).Error; err != nil {
			return nil, fmt.Errorf("load categories: %w", err)
		}
		t := buildTree(rows)
		t.gen = gen
		s.cats.Store(t)
		return t, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*Tree), nil
}

func buildTree(rows []Category) *Tree {
	t := &Tree{loadedAt: time.Now(), byID: map[int64]Category{}, byCode: map[string]Category{}, children: map[int64][]Category{}}
	for _, c := range rows {
		t.byID[c.ID] = c
		t.byCode[c.Code] = c
		t.children[c.ParentID] = append(t.children[c.ParentID], c)
	}
	for _, cs := range t.children {
		sort.SliceStable(cs, func(i, j int) bool {
			if cs[i].Sort != cs[j].Sort {
				return cs[i].Sort < cs[j].Sort
			}
			return cs[i].ID < cs[j].ID
		})
	}
	nodes := t.nodes(0)
	if nodes == nil {
		nodes = []CategoryNode{}
	}
	t.public, _ = json.Marshal(nodes)
	return t
}

func (t *Tree) nodes(parent int64) []CategoryNode {
	var out []CategoryNode
	for _, c := range t.children[parent] {
		if c.Status != CategoryActive {
			continue // a hidden node hides its whole branch
		}
		out = append(out, CategoryNode{Code: c.Code, Name: c.Name, NameEN: c.NameEN, Icon: c.Icon, Sort: c.Sort, Children: t.nodes(c.ID)})
	}
	return out
}

// Active tells whether code and every ancestor of it is active.
func (t *Tree) Active(code string) bool {
	c, ok := t.byCode[code]
	for depth := 0; ok && depth < 32; depth++ {
		if c.Status != CategoryActive {
			return false
		}
		if c.ParentID == 0 {
			return true
		}
		c, ok = t.byID[c.ParentID]
	}
	return false
}

// Subtree lists code and all its descendants.
func (t *Tree) Subtree(code string) []string {
	c, ok := t.byCode[code]
	if !ok {
		return nil
	}
	out := []string{c.Code}
	queue := []int64{c.ID}
	for len(queue) > 0 && len(out) < 10000 {
		id := queue[0]
		queue = queue[1:]
		for _, ch := range t.children[id] {
			out = append(out, ch.Code)
			queue = append(queue, ch.ID)
		}
	}
	return out
}

// ancestors lists code and its ancestors, nearest first.
func (t *Tree) ancestors(code string) []Category {
	var out []Category
	c, ok := t.byCode[code]
	for depth := 0; ok && depth < 32; depth++ {
		out = append(out, c)
		if c.ParentID == 0 {
			break
		}
		c, ok = t.byID[c.ParentID]
	}
	return out
}

// Visible lists the codes customers see: active themselves and through
// every ancestor. Items of any other code (hidden, or a category that no
// longer exists) are not shown or sold.
func (t *Tree) Visible() []string {
	var out []string
	for code := range t.byCode {
		if t.Active(code) {
			out = append(out, code)
		}
	}
	sort.Strings(out)
	return out
}

// Has tells whether a category with code exists (active or not).
func (t *Tree) Has(code string) bool {
	_, ok := t.byCode[code]
	return ok
}

// Brief names a category (just the code when it is unknown).
func (t *Tree) Brief(code string) CategoryBrief {
	c, ok := t.byCode[code]
	if !ok {
		return CategoryBrief{Code: code}
	}
	return CategoryBrief{Code: c.Code, Name: c.Name, NameEN: c.NameEN}
}

// CategoriesJSON returns the public tree of active categories, marshalled.
func (s *Service) CategoriesJSON(ctx context.Context) ([]byte, error) {
	t, err := s.Tree(ctx)
	if err != nil {
		return nil, err
	}
	return t.public, nil
}

// Categories returns every category, hidden ones too (HQ view).
func (s *Service) Categories(ctx context.Context) ([]Category, error) {
	var out []Category
	err := s.reg.HQ(ctx).Order("parent_id, sort, id").Find(&out).Error
	return out, err
}

// CategoryBriefs names codes (unknown codes keep their code as name).
func (s *Service) CategoryBriefs(ctx context.Context, codes []string) ([]CategoryBrief, error) {
	t, err := s.Tree(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]CategoryBrief, 0, len(codes))
	for _, c := range codes {
		out = append(out, t.Brief(c))
	}
	return out, nil
}

// CheckCategories validates a list of category codes a merchant applies
// for: each must exist and be active. It returns them trimmed, lowercased
// and without repeats.
func (s *Service) CheckCategories(ctx context.Context, codes []string) ([]string, error) {
	t, err := s.Tree(ctx)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	out := make([]string, 0, len(codes))
	for _, c := range codes {
		c = strings.ToLower(strings.TrimSpace(c))
		if c == "" || seen[c] {
			continue
		}
		if _, ok := t.byCode[c]; !ok {
			return nil, ErrUnknownCategory.WithMessage("category %q does not exist; see GET /v1/categories", c)
		}
		if !t.Active(c) {
			return nil, ErrCategoryInactive.WithMessage("category %q is hidden and takes no new merchants", c)
		}
		seen[c] = true
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, app.Invalid("categories", "name at least one category")
	}
	return out, nil
}

// CategoryInput creates a category.
type CategoryInput struct {
	ParentCode string `json:"parent_code" doc:"empty for a top-level category"`
	Code       string `json:"code" validate:"required"`
	Name       string `json:"name" validate:"required"`
	NameEN     string `json:"name_en"`
	Icon       string `json:"icon"`
	Sort       int    `json:"sort"`
}

// CategoryUpdate changes a category; absent fields stay.
type CategoryUpdate struct {
	ParentCode *string `json:"parent_code" doc:"move under another category; empty string for top level"`
	Name       *string `json:"name"`
	NameEN     *string `json:"name_en"`
	Icon       *string `json:"icon"`
	Sort       *int    `json:"sort"`
	Status     *string `json:"status" validate:"omitempty,oneof=active hidden"`
}

// CategoryRemoval is the answer to removing a category.
type CategoryRemoval struct {
	Code    string `json:"code"`
	Deleted bool   `json:"deleted"` // removed for good
	Hidden  bool   `json:"hidden"`  // kept but hidden, because services still use it
	InUse   int64  `json:"in_use"`  // services (all cities) in this category
}

var categoryCode = regexp.MustCompile(`^[a-z0-9_]{2,32}$`)

func checkCategoryText(name, nameEN, icon string) error {
	if n := len([]rune(name)); n < 1 || n > 32 {
		return app.Invalid("name", "1 to 32 characters")
	}
	if len([]rune(nameEN)) > 64 {
		return app.Invalid("name_en", "at most 64 characters")
	}
	if len(icon) > 255 {
		return app.Invalid("icon", "at most 255 characters")
	}
	return nil
}

// CreateCategory adds a node to the HQ tree.
func (s *Service) CreateCategory(ctx context.Context, in CategoryInput) (Category, error) {
	in.Code = strings.TrimSpace(in.Code)
	if !categoryCode.MatchString(in.Code) {
		return Category{}, app.Invalid("code", "2 to 32 characters of a-z, 0-9 and _")
	}
	in.Name, in.NameEN, in.Icon = strings.TrimSpace(in.Name), strings.TrimSpace(in.NameEN), strings.TrimSpace(in.Icon)
	if err := checkCategoryText(in.Name, in.NameEN, in.Icon); err != nil {
		return Category{}, err
	}
	now := time.Now().UTC()
	c := Category{Code: in.Code, Name: in.Name, NameEN: in.NameEN, Icon: in.Icon, Sort: in.Sort, Status: CategoryActive, CreatedAt: now, UpdatedAt: now}
	if p := strings.TrimSpace(in.ParentCode); p != "" {
		var parent Category
		if err := s.reg.HQ(ctx).Where("code = ?", p).Take(&parent).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return Category{}, ErrUnknownCategory.WithMessage("parent category %q does not exist", p)
			}
			return Category{}, err
		}
		c.ParentID = parent.ID
	}
	if err := s.reg.HQ(ctx).Create(&c).Error; err != nil {
		if tenants.IsDuplicate(err) {
			return Category{}, ErrCategoryExists
		}
		return Category{}, fmt.Errorf("create category: %w", err)
	}
	s.categoriesChanged(ctx)
	s.audit.Record(ctx, "category.create", "category", c.Code, "ok", map[string]any{"parent_id": c.ParentID})
	return c, nil
}

// UpdateCategory renames, moves, re-sorts, hides or shows a category.
func (s *Service) UpdateCategory(ctx context.Context, code string, u CategoryUpdate) (Category, error) {
	var c Category
	err := s.reg.HQTx(ctx, func(ctx context.Context) error {
		if err := s.reg.HQ(ctx).Where("code = ?", code).Take(&c).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return ErrCategoryNotFound
			}
			return err
		}
		if u.Name != nil {
			c.Name = strings.TrimSpace(*u.Name)
		}
		if u.NameEN != nil {
			c.NameEN = strings.TrimSpace(*u.NameEN)
		}
		if u.Icon != nil {
			c.Icon = strings.TrimSpace(*u.Icon)
		}
		if err := checkCategoryText(c.Name, c.NameEN, c.Icon); err != nil {
			return err
		}
		if u.Sort != nil {
			c.Sort = *u.Sort
		}
		if u.Status != nil {
			if *u.Status != CategoryActive && *u.Status != CategoryHidden {
				return app.Invalid("status", "active or hidden")
			}
			c.Status = *u.Status
		}
		if u.ParentCode != nil {
			pid, err := s.newParent(ctx, c, strings.TrimSpace(*u.ParentCode))
			if err != nil {
				return err
			}
			c.ParentID = pid
		}
		c.UpdatedAt = time.Now().UTC()
		return s.reg.HQ(ctx).Save(&c).Error
	})
	if err != nil {
		return Category{}, err
	}
	s.categoriesChanged(ctx)
	s.audit.Record(ctx, "category.update", "category", c.Code, "ok", u)
	return c, nil
}

// newParent resolves a parent code for c, refusing to make a cycle.
func (s *Service) newParent(ctx context.Context, c Category, code string) (int64, error) {
	if code == "" {
		return 0, nil
	}
	var all []Category
	if err := s.reg.HQ(ctx).Find(&all).Error; err != nil {
		return 0, err
	}
	t := buildTree(all)
	p, ok := t.byCode[code]
	if !ok {
		return 0, ErrUnknownCategory.WithMessage("parent category %q does not exist", code)
	}
	for _, a := range t.ancestors(p.Code) {
		if a.ID == c.ID {
			return 0, ErrCategoryCycle
		}
	}
	return p.ID, nil
}

// RemoveCategory deletes a category no service uses; one that services
// of any city still use is hidden instead, so their orders and pages keep
// their names.
func (s *Service) RemoveCategory(ctx context.Context, code string) (CategoryRemoval, error) {
	var c Category
	if err := s.reg.HQ(ctx).Where("code = ?", code).Take(&c).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return CategoryRemoval{}, ErrCategoryNotFound
		}
		return CategoryRemoval{}, err
	}
	var kids int64
	if err := s.reg.HQ(ctx).Model(&Category{}).Where("parent_id = ?", c.ID).Count(&kids).Error; err != nil {
		return CategoryRemoval{}, err
	}
	if kids > 0 {
		return CategoryRemoval{}, ErrCategoryHasChildren
	}
	used, err := s.categoryUse(ctx, code)
	if err != nil {
		return CategoryRemoval{}, err
	}
	out := CategoryRemoval{Code: code, InUse: used}
	if used > 0 {
		err = s.reg.HQ(ctx).Model(&Category{}).Where("id = ?", c.ID).
			Updates(map[string]any{"status": CategoryHidden, "updated_at": time.Now().UTC()}).Error
		out.Hidden = true
	} else {
		err = s.reg.HQ(ctx).Delete(&Category{}, c.ID).Error
		out.Deleted = true
	}
	if err != nil {
		return CategoryRemoval{}, err
	}
	s.categoriesChanged(ctx)
	s.audit.Record(ctx, "category.remove", "category", code, "ok", out)
	return out, nil
}

// categoryUse counts the services of every city in a category (deleted
// ones too: their orders still name it).
func (s *Service) categoryUse(ctx context.Context, code string) (int64, error) {
	counts := make(map[string]int64)
	cities := s.reg.Cities()
	type res struct {
		code string
		n    int64
	}
	ch := make(chan res, len(cities))
	errs := s.reg.ForEachCity(ctx, cities, 4, func(ctx context.Context, c *tenants.City) error {
		var n int64
		if err := tenants.DB(ctx).Model(&ServiceItem{}).Where("category_code = ?", code).Count(&n).Error; err != nil {
			return err
		}
		ch <- res{c.Code, n}
		return nil
	})
	close(ch)
	for r := range ch {
		counts[r.code] = r.n
	}
	for city, err := range errs {
		return 0, fmt.Errorf("count services of category %s in %s: %w", code, city, err)
	}
	var total int64
	for _, n := range counts {
		total += n
	}
	return total, nil
}

func (s *Service) categoriesChanged(ctx context.Context) {
	s.catGen.Add(1)
	s.cache.BumpAll()
	if s.pub != nil {
		s.pub.Publish(context.WithoutCancel(ctx), "catalog", "*")
	}
}
