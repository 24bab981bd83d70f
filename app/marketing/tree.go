package marketing

import (
	"context"
	"fmt"

	"doorstep/app/catalog"
)

// tree is the global category tree as coupon rules need it: which codes
// exist and what lies under each.
type tree struct {
	byCode   map[string]catalog.Category
	children map[int64][]string
}

func (s *Service) tree(ctx context.Context) (*tree, error) {
	rows, err := s.cats.Categories(ctx)
	if err != nil {
		return nil, fmt.Errorf("load categories: %w", err)
	}
	t := &tree{byCode: map[string]catalog.Category{}, children: map[int64][]string{}}
	for _, c := range rows {
		t.byCode[c.Code] = c
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
