package storefront

import (
	"context"
	"fmt"

	"doorstep/app/catalog"
)

// tree is the global category tree as pages need it.
type tree struct {
	byCode   map[string]catalog.Category
	byID     map[int64]catalog.Category
	children map[int64][]string
}

func (s *Service) tree(ctx context.Context) (*tree, error) {
	rows, err := s.cat.Categories(ctx)
	if err != nil {
		return nil, fmt.Errorf("load categories: %w", err)
	}
	t := &tree{byCode: map[string]catalog.Category{}, byID: map[int64]catalog.Category{}, children: map[int64][]string{}}
	for _, c := range rows {
		t.byCode[c.Code] = c
		t.byID[c.ID] = c
		t.children[c.ParentID] = append(t.children[c.ParentID], c.Code)
	}
	return t, nil
}

// subtree lists code and every category under it.
func (t *tree) subtree(code string) []string {
	c, ok := t.byCode[code]
	if !ok {
		return nil
	}
	out := []string{code}
	queue := []int64{c.ID}
	for len(queue) > 0 && len(out) < 10000 {
		id := queue[0]
		queue = queue[1:]
		for _, ch := range t.children[id] {
			out = append(out, ch)
			queue = append(queue, t.byCode[ch].ID)
		}
	}
	return out
}

// active tells whether code and all its ancestors are active.
func (t *tree) active(code string) bool {
	c, ok := t.byCode[code]
	for depth := 0; ok && depth < 32; depth++ {
		if c.Status != catalog.CategoryActive {
			return false
		}
		if c.ParentID == 0 {
			return true
		}
		c, ok = t.byID[c.ParentID]
	}
	return false
}

// hidden lists the codes customers do not see.
func (t *tree) hidden() []string {
	var out []string
	for code := range t.byCode {
		if !t.active(code) {
			out = append(out, code)
		}
	}
	return out
}

func (t *tree) brief(code string) catalog.CategoryBrief {
	c, ok := t.byCode[code]
	if !ok {
		return catalog.CategoryBrief{Code: code}
	}
	return catalog.CategoryBrief{Code: c.Code, Name: c.Name, NameEN: c.NameEN}
}
