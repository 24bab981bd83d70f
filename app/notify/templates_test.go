package notify

import (
	"sort"
	"strings"
	"testing"
)

// sample gives each documented param a value a caller could send.
func sample(name string, withOptional bool) map[string]string {
	p := Expects(name)
	out := map[string]string{}
	for _, k := range p.Required {
		out[k] = "v_" + k
	}
	if withOptional {
		for _, k := range p.Optional {
			out[k] = "v_" + k
		}
	}
	return out
}

func TestTemplates_EveryTemplateRendersInZhAndEnWithItsDocumentedParams(t *testing.T) {
	names := Templates()
	sort.Strings(names)
	for _, name := range names {
		for _, lang := range []string{"zh", "en"} {
			if _, ok := templates[name][lang]; !ok {
				t.Errorf("%s: no %s text", name, lang)
				continue
			}
			for _, withOptional := range []bool{true, false} {
				title, body := Render(name, lang, sample(name, withOptional))
				if title == "" || body == "" {
					t.Errorf("%s/%s: empty title or body", name, lang)
				}
				if strings.ContainsAny(title+body, "{}") {
					t.Errorf("%s/%s (optional params sent: %v): unfilled placeholder in %q / %q", name, lang, withOptional, title, body)
				}
			}
		}
	}
}

func TestTemplates_EveryPlaceholderIsDocumentedAndEveryRequiredParamIsShownInBothLanguages(t *testing.T) {
	for name, byLang := range templates {
		p, ok := templateParams[name]
		if !ok {
			t.Errorf("%s: params not documented in templateParams", name)
			continue
		}
		documented := map[string]bool{}
		for _, k := range append(append([]string{}, p.Required...), p.Optional...) {
			documented[k] = true
		}
		for lang, text := range byLang {
			for _, ph := range unfilled(text.Title, text.Body) {
				if !documented[strings.Trim(ph, "{}")] {
					t.Errorf("%s/%s: placeholder %s is not documented", name, lang, ph)
				}
			}
			for _, k := range p.Required {
				if !strings.Contains(text.Title+text.Body, "{"+k+"}") {
					t.Errorf("%s/%s: required param %q is not shown", name, lang, k)
				}
			}
		}
	}
	for name := range templateParams {
		if _, ok := templates[name]; !ok {
			t.Errorf("%s: documented but has no template", name)
		}
	}
}

func TestTemplates_CustomerJourneyHasEveryEvent(t *testing.T) {
	journey := []string{
		"order_paid",       // booking confirmed
		"order_assigned",   // staff assigned
		"order_on_the_way", // on the way
		"order_reminder",   // one hour before
		"order_completed",
		"review_request",
		"review_reminder",
		"refund_done",
		"order_cancelled",
		"order_expired",
		"aftersale_update",
	}
	for _, name := range journey {
		for _, lang := range []string{"zh", "en"} {
			if tx, ok := templates[name][lang]; !ok || tx.Title == "" || tx.Body == "" {
				t.Errorf("customer journey event %s has no %s text", name, lang)
			}
		}
	}
}

func TestRender_PerLanguageParamsWinAndOtherLanguagesAreDropped(t *testing.T) {
	params := map[string]string{"order_no": "D1", "status": "更新", "status.zh": "商家已同意退款", "status.en": "refund approved"}
	_, zh := Render("aftersale_update", "zh", params)
	_, en := Render("aftersale_update", "en", params)
	if !strings.Contains(zh, "商家已同意退款") || strings.Contains(zh, "refund approved") {
		t.Errorf("zh: %q", zh)
	}
	if !strings.Contains(en, "refund approved") || strings.Contains(en, "同意") {
		t.Errorf("en: %q", en)
	}
	// A language without its own value takes the plain one; an unknown
	// language falls back to Chinese.
	_, fr := Render("aftersale_update", "fr", map[string]string{"order_no": "D1", "status": "更新", "status.en": "updated"})
	if !strings.Contains(fr, "更新") {
		t.Errorf("fallback: %q", fr)
	}
}

func TestRender_MissingOptionalParamRendersAsNothingAndMissingRequiredStaysVisible(t *testing.T) {
	_, body := Render("order_cancelled", "en", map[string]string{"order_no": "D7"})
	if body != "Your order D7 was cancelled." {
		t.Errorf("optional: %q", body)
	}
	_, body = Render("order_cancelled", "en", nil)
	if got := unfilled(body); len(got) != 1 || got[0] != "{order_no}" {
		t.Errorf("required: %q -> %v", body, got)
	}
}
