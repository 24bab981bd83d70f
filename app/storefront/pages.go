package storefront

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"doorstep/tenants"
)

// DraftView is a page as its editor sees it.
type DraftView struct {
	Key              string     `json:"key"`
	Kind             string     `json:"kind" doc:"shop, home or category"`
	Template         string     `json:"template" doc:"the template the draft last started from"`
	Document         Document   `json:"document"`
	DraftVersion     int64      `json:"draft_version" doc:"send it back with the next save: a stale one is refused with 409 stale_draft"`
	PublishedVersion int64      `json:"published_version" doc:"0: nothing published yet (customers see the default template)"`
	PublishedAt      *time.Time `json:"published_at"`
	UpdatedAt        *time.Time `json:"updated_at"`
	Saved            bool       `json:"saved" doc:"false: nothing saved yet; the document is the default template"`
}

// DraftInput saves a draft.
type DraftInput struct {
	DraftVersion int64    `json:"draft_version" validate:"gte=0" doc:"the draft_version you edited; 0 for a page never saved"`
	Document     Document `json:"document"`
}

// PublishInput publishes the draft.
type PublishInput struct {
	DraftVersion *int64 `json:"draft_version" doc:"optional: publish only if the draft is still this version"`
}

// RollbackInput republishes an earlier version.
type RollbackInput struct {
	Version      int64  `json:"version" validate:"required,gt=0" doc:"a published_version from the history"`
	DraftVersion *int64 `json:"draft_version" doc:"optional: only if the draft is still this version (rollback replaces the draft too)"`
}

// TemplateInput replaces the draft with a template.
type TemplateInput struct {
	Template     string `json:"template" validate:"required,max=32"`
	DraftVersion int64  `json:"draft_version" validate:"gte=0" doc:"as for saving a draft"`
}

// Version is one published version of a page.
type Version struct {
	Version     int64     `json:"version"`
	Template    string    `json:"template"`
	Components  int       `json:"components"`
	PublishedBy int64     `json:"published_by"`
	PublishedAt time.Time `json:"published_at"`
	Current     bool      `json:"current"`
}

func (s *Service) row(ctx context.Context, ref pageRef, lock bool) (pageRow, bool, error) {
	var r pageRow
	q := tenants.DB(ctx)
	if lock {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	err := q.Where("owner_type = ? AND owner_id = ? AND page_key = ?", ref.OwnerType, ref.OwnerID, ref.Key).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return r, false, nil
	}
	return r, err == nil, err
}

func decode(s string) (Document, error) {
	var d Document
	if err := json.Unmarshal([]byte(s), &d); err != nil {
		return d, fmt.Errorf("stored page document: %w", err)
	}
	if d.Components == nil {
		d.Components = []Component{}
	}
	return d, nil
}

func defaultDoc(ref pageRef) Document {
	t, _ := findTemplate(ref.Kind, ref.Category, DefaultTemplate)
	return t.Document
}

func (s *Service) draftView(ref pageRef, r pageRow, found bool) (DraftView, error) {
	v := DraftView{Key: ref.Key, Kind: ref.Kind}
	if !found {
		v.Template, v.Document = DefaultTemplate, defaultDoc(ref)
		return v, nil
	}
	d, err := decode(r.Draft)
	if err != nil {
		return v, err
	}
	at := r.UpdatedAt
	v.Template, v.Document, v.DraftVersion, v.PublishedVersion, v.PublishedAt, v.UpdatedAt, v.Saved =
		r.Template, d, r.DraftVersion, r.PublishedVersion, r.PublishedAt, &at, true
	return v, nil
}

// Draft returns the editor's draft of a page (the default template when
// nothing was saved yet). owner is "merchant" (key "shop": the signed-in
// owner's shop) or "city" (key "home" or "category:<code>").
func (s *Service) Draft(ctx context.Context, owner, key string) (DraftView, error) {
	ref, err := s.edit(ctx, owner, key)
	if err != nil {
		return DraftView{}, err
	}
	r, found, err := s.row(ctx, ref, false)
	if err != nil {
		return DraftView{}, err
	}
	return s.draftView(ref, r, found)
}

// SaveDraft replaces the draft after validating it; in.DraftVersion must
// be the version the editor started from (409 stale_draft otherwise).
func (s *Service) SaveDraft(ctx context.Context, owner, key string, in DraftInput) (DraftView, error) {
	ref, err := s.edit(ctx, owner, key)
	if err != nil {
		return DraftView{}, err
	}
	doc := in.Document
	if err := s.check(ctx, ref, &doc); err != nil {
		return DraftView{}, err
	}
	if err := s.writeDraft(ctx, ref, in.DraftVersion, doc, nil); err != nil {
		return DraftView{}, err
	}
	return s.Draft(ctx, owner, key)
}

// writeDraft stores doc as the draft if the draft is still at version
// (0: the page has none yet), optionally with the template it came from.
func (s *Service) writeDraft(ctx context.Context, ref pageRef, version int64, doc Document, template *string) error {
	if version < 0 {
		return ErrStaleDraft
	}
	body, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	now := s.now()
	if version == 0 {
		r := pageRow{OwnerType: ref.OwnerType, OwnerID: ref.OwnerID, PageKey: ref.Key, Draft: string(body), DraftVersion: 1,
			UpdatedBy: ref.Actor.AccountID, UpdatedAt: now}
		if template != nil {
			r.Template = *template
		}
		if err := tenants.DB(ctx).Create(&r).Error; err != nil {
			if tenants.IsDuplicate(err) {
				return ErrStaleDraft
			}
			return fmt.Errorf("create page: %w", err)
		}
		return nil
	}
	set := map[string]any{"draft": string(body), "draft_version": gorm.Expr("draft_version + 1"), "updated_by": ref.Actor.AccountID, "updated_at": now}
	if template != nil {
		set["template"] = *template
	}
	res := tenants.DB(ctx).Model(&pageRow{}).Where("owner_type = ? AND owner_id = ? AND page_key = ? AND draft_version = ?",
		ref.OwnerType, ref.OwnerID, ref.Key, version).Updates(set)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return ErrStaleDraft
	}
	return nil
}

// Templates lists the templates of a page's kind.
func (s *Service) Templates(ctx context.Context, owner, key string) ([]Template, error) {
	ref, err := s.edit(ctx, owner, key)
	if err != nil {
		return nil, err
	}
	return templatesFor(ref.Kind, ref.Category), nil
}

// ApplyTemplate replaces the draft with a template's components in one
// step, under the same version rule as saving.
func (s *Service) ApplyTemplate(ctx context.Context, owner, key string, in TemplateInput) (DraftView, error) {
	ref, err := s.edit(ctx, owner, key)
	if err != nil {
		return DraftView{}, err
	}
	t, ok := findTemplate(ref.Kind, ref.Category, in.Template)
	if !ok {
		return DraftView{}, ErrUnknownTemplate.WithMessage("no template %q for a %s page; see the templates list", in.Template, ref.Kind)
	}
	doc := t.Document
	if err := s.check(ctx, ref, &doc); err != nil {
		return DraftView{}, err
	}
	if err := s.writeDraft(ctx, ref, in.DraftVersion, doc, &t.Code); err != nil {
		return DraftView{}, err
	}
	return s.Draft(ctx, owner, key)
}

// Publish makes the draft what customers see, as a new published version
// kept in the history (the last few), and drops the cached public page.
// The draft is validated again: a service or staff member it names may
// have been deleted since it was saved.
func (s *Service) Publish(ctx context.Context, owner, key string, in PublishInput) (DraftView, error) {
	ref, err := s.edit(ctx, owner, key)
	if err != nil {
		return DraftView{}, err
	}
	r, found, err := s.row(ctx, ref, false)
	if err != nil {
		return DraftView{}, err
	}
	if !found {
		return DraftView{}, ErrNoDraft
	}
	if in.DraftVersion != nil && *in.DraftVersion != r.DraftVersion {
		return DraftView{}, ErrStaleDraft
	}
	doc, err := decode(r.Draft)
	if err != nil {
		return DraftView{}, err
	}
	if err := s.check(ctx, ref, &doc); err != nil {
		return DraftView{}, err
	}
	body, err := json.Marshal(doc)
	if err != nil {
		return DraftView{}, err
	}
	var version int64
	err = tenants.WithTx(ctx, func(ctx context.Context) error {
		cur, _, err := s.row(ctx, ref, true)
		if err != nil {
			return err
		}
		if cur.DraftVersion != r.DraftVersion {
			return ErrStaleDraft // saved again while we validated
		}
		version = cur.PublishedVersion + 1
		return s.publish(ctx, ref, cur, string(body), cur.Template, version, false)
	})
	if err != nil {
		return DraftView{}, err
	}
	s.audit.Record(ctx, "page.publish", "page", fmt.Sprintf("%s:%d:%s", ref.OwnerType, ref.OwnerID, ref.Key), "ok", map[string]any{"version": version})
	return s.Draft(ctx, owner, key)
}

// publish writes body as the published page at version, records it in the
// history, keeps the last keepVersions, and invalidates the public page;
// alsoDraft puts it in the draft too (rollback).
func (s *Service) publish(ctx context.Context, ref pageRef, cur pageRow, body, template string, version int64, alsoDraft bool) error {
	now := s.now()
	set := map[string]any{"published": body, "published_version": version, "published_at": now, "updated_by": ref.Actor.AccountID, "updated_at": now}
	if alsoDraft {
		set["draft"], set["draft_version"], set["template"] = body, gorm.Expr("draft_version + 1"), template
	}
	if err := tenants.DB(ctx).Model(&pageRow{}).Where("id = ?", cur.ID).Updates(set).Error; err != nil {
		return fmt.Errorf("publish page: %w", err)
	}
	h := historyRow{PageID: cur.ID, Version: version, Template: template, Document: body, PublishedBy: ref.Actor.AccountID, PublishedAt: now}
	if err := tenants.DB(ctx).Create(&h).Error; err != nil {
		return fmt.Errorf("page history: %w", err)
	}
	if err := tenants.DB(ctx).Where("page_id = ? AND version <= ?", cur.ID, version-keepVersions).Delete(&historyRow{}).Error; err != nil {
		return err
	}
	s.invalidate(ctx)
	return nil
}

// History lists the published versions a page keeps, newest first.
func (s *Service) History(ctx context.Context, owner, key string) ([]Version, error) {
	ref, err := s.edit(ctx, owner, key)
	if err != nil {
		return nil, err
	}
	out := []Version{}
	r, found, err := s.row(ctx, ref, false)
	if err != nil || !found {
		return out, err
	}
	var rows []historyRow
	if err := tenants.DB(ctx).Where("page_id = ?", r.ID).Order("version DESC").Limit(keepVersions).Find(&rows).Error; err != nil {
		return nil, err
	}
	for _, h := range rows {
		d, err := decode(h.Document)
		if err != nil {
			return nil, err
		}
		out = append(out, Version{Version: h.Version, Template: h.Template, Components: len(d.Components), PublishedBy: h.PublishedBy,
			PublishedAt: h.PublishedAt, Current: h.Version == r.PublishedVersion})
	}
	return out, nil
}

// Rollback publishes an earlier version again, as a new version (history
// only grows forward), and makes it the draft too, so editing continues
// from what customers see.
func (s *Service) Rollback(ctx context.Context, owner, key string, in RollbackInput) (DraftView, error) {
	ref, err := s.edit(ctx, owner, key)
	if err != nil {
		return DraftView{}, err
	}
	var version int64
	err = tenants.WithTx(ctx, func(ctx context.Context) error {
		cur, found, err := s.row(ctx, ref, true)
		if err != nil {
			return err
		}
		if !found {
			return ErrVersionNotFound
		}
		if in.DraftVersion != nil && *in.DraftVersion != cur.DraftVersion {
			return ErrStaleDraft
		}
		var h historyRow
		err = tenants.DB(ctx).Where("page_id = ? AND version = ?", cur.ID, in.Version).Take(&h).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrVersionNotFound
		}
		if err != nil {
			return err
		}
		version = cur.PublishedVersion + 1
		return s.publish(ctx, ref, cur, h.Document, h.Template, version, true)
	})
	if err != nil {
		return DraftView{}, err
	}
	s.audit.Record(ctx, "page.rollback", "page", fmt.Sprintf("%s:%d:%s", ref.OwnerType, ref.OwnerID, ref.Key), "ok",
		map[string]any{"to_version": in.Version, "version": version})
	return s.Draft(ctx, owner, key)
}

// PageSummary is one of the city's pages in the back office list.
type PageSummary struct {
	Key              string     `json:"key"`
	Template         string     `json:"template"`
	DraftVersion     int64      `json:"draft_version"`
	PublishedVersion int64      `json:"published_version"`
	PublishedAt      *time.Time `json:"published_at"`
	UpdatedAt        time.Time  `json:"updated_at"`
}

// CityPages lists the city's saved pages (home and category pages).
func (s *Service) CityPages(ctx context.Context) ([]PageSummary, error) {
	if _, err := s.edit(ctx, OwnerCity, KindHome); err != nil {
		return nil, err
	}
	var rows []pageRow
	if err := tenants.DB(ctx).Select("id, page_key, template, draft_version, published_version, published_at, updated_at").
		Where("owner_type = ? AND owner_id = 0", OwnerCity).Order("page_key").Limit(500).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]PageSummary, 0, len(rows))
	for _, r := range rows {
		out = append(out, PageSummary{Key: r.PageKey, Template: r.Template, DraftVersion: r.DraftVersion, PublishedVersion: r.PublishedVersion,
			PublishedAt: r.PublishedAt, UpdatedAt: r.UpdatedAt})
	}
	return out, nil
}
