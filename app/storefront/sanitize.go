package storefront

import (
	"html"
	"slices"
	"strings"
)

// Rich text is sanitized by rebuilding it: text is unescaped and escaped
// again, and only whitelisted tags come out, written by us with only their
// whitelisted attributes and checked URLs. Whatever the input, the output
// holds no tag, attribute or URL scheme we did not choose: no scripts, no
// event handlers, no style, no javascript: or data: URLs.

// allowedTags maps each allowed tag to its allowed attributes.
var allowedTags = map[string][]string{
	"p": nil, "br": nil, "b": nil, "strong": nil, "i": nil, "em": nil, "u": nil, "s": nil,
	"h3": nil, "h4": nil, "ul": nil, "ol": nil, "li": nil, "blockquote": nil, "span": nil,
	"a": {"href"}, "img": {"src", "alt"},
}

var voidTags = map[string]bool{"br": true, "img": true}

// dropWhole are elements whose content goes too, not just the tags.
var dropWhole = map[string]bool{
	"script": true, "style": true, "iframe": true, "object": true, "embed": true, "noscript": true, "template": true,
	"textarea": true, "title": true, "head": true, "svg": true, "math": true, "xmp": true, "noembed": true, "noframes": true,
	"select": true, "frameset": true, "applet": true,
}

const maxDepth = 32

type attr struct{ name, val string }

type tag struct {
	name    string
	closing bool
	attrs   []attr
}

// SanitizeHTML returns the safe form of a merchant's or city's rich text.
func SanitizeHTML(in string) string {
	var out strings.Builder
	var stack []string
	text := func(s string) { out.WriteString(html.EscapeString(html.UnescapeString(s))) }
	i := 0
	for i < len(in) {
		lt := strings.IndexByte(in[i:], '<')
		if lt < 0 {
			text(in[i:])
			break
		}
		text(in[i : i+lt])
		i += lt
		rest := in[i:]
		switch {
		case strings.HasPrefix(rest, "<!--"):
			end := strings.Index(rest[4:], "-->")
			if end < 0 {
				i = len(in)
				continue
			}
			i += 4 + end + 3
			continue
		case strings.HasPrefix(rest, "<!") || strings.HasPrefix(rest, "<?"):
			end := strings.IndexByte(rest, '>')
			if end < 0 {
				i = len(in)
				continue
			}
			i += end + 1
			continue
		}
		t, n, ok := parseTag(rest)
		if !ok {
			text("<")
			i++
			continue
		}
		i += n
		if dropWhole[t.name] {
			if !t.closing {
				i += skipElement(in[i:], t.name)
			}
			continue
		}
		attrs, allowed := allowedTags[t.name]
		if !allowed {
			continue
		}
		if t.closing {
			if voidTags[t.name] {
				continue
			}
			if k := slices.Index(stack, t.name); k >= 0 {
				for j := len(stack) - 1; j >= k; j-- {
					out.WriteString("</" + stack[j] + ">")
				}
				stack = stack[:k]
			}
			continue
		}
		if len(stack) >= maxDepth {
			continue
		}
		var b strings.Builder
		b.WriteString("<" + t.name)
		keep := true
		for _, a := range t.attrs {
			if !slices.Contains(attrs, a.name) {
				continue
			}
			v := strings.TrimSpace(html.UnescapeString(a.val))
			switch a.name {
			case "href":
				if v = squeeze(v); !safeLink(v) {
					continue
				}
			case "src":
				if v = squeeze(v); !safeImage(v) {
					keep = false
				}
			case "alt":
				if len(v) > 200 {
					v = v[:200]
				}
			}
			b.WriteString(" " + a.name + `="` + html.EscapeString(v) + `"`)
		}
		if t.name == "img" && !strings.Contains(b.String(), ` src="`) {
			keep = false
		}
		if !keep {
			continue
		}
		if t.name == "a" {
			b.WriteString(` rel="nofollow noopener noreferrer"`)
		}
		b.WriteString(">")
		out.WriteString(b.String())
		if !voidTags[t.name] {
			stack = append(stack, t.name)
		}
	}
	for j := len(stack) - 1; j >= 0; j-- {
		out.WriteString("</" + stack[j] + ">")
	}
	return out.String()
}

// skipElement returns how far the content of a dropped element runs,
// through its closing tag (to the end when it has none).
func skipElement(s, name string) int {
	low := strings.ToLower(s)
	k := strings.Index(low, "</"+name)
	if k < 0 {
		return len(s)
	}
	gt := strings.IndexByte(s[k:], '>')
	if gt < 0 {
		return len(s)
	}
	return k + gt + 1
}

// parseTag reads "<name attr=...>" or "</name>" at the start of s; ok is
// false when s does not start a tag (a lone "<" is text).
func parseTag(s string) (tag, int, bool) {
	var t tag
	j := 1
	if j < len(s) && s[j] == '/' {
		t.closing = true
		j++
	}
	start := j
	for j < len(s) && isNameByte(s[j], j == start) {
		j++
	}
	if j == start {
		return t, 0, false
	}
	t.name = strings.ToLower(s[start:j])
	for j < len(s) {
		for j < len(s) && (isSpace(s[j]) || s[j] == '/') {
			j++
		}
		if j >= len(s) {
			break
		}
		if s[j] == '>' {
			return t, j + 1, true
		}
		ns := j
		for j < len(s) && !isSpace(s[j]) && s[j] != '=' && s[j] != '>' && s[j] != '/' {
			j++
		}
		a := attr{name: strings.ToLower(s[ns:j])}
		for j < len(s) && isSpace(s[j]) {
			j++
		}
		if j < len(s) && s[j] == '=' {
			j++
			for j < len(s) && isSpace(s[j]) {
				j++
			}
			if j < len(s) && (s[j] == '"' || s[j] == '\'') {
				q := s[j]
				end := strings.IndexByte(s[j+1:], q)
				if end < 0 {
					return t, 0, false
				}
				a.val = s[j+1 : j+1+end]
				j += end + 2
			} else {
				vs := j
				for j < len(s) && !isSpace(s[j]) && s[j] != '>' {
					j++
				}
				a.val = s[vs:j]
			}
		}
		if a.name != "" {
			t.attrs = append(t.attrs, a)
		}
	}
	return t, 0, false
}

func isNameByte(c byte, first bool) bool {
	if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
		return true
	}
	return !first && c >= '0' && c <= '9'
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }

// squeeze drops what browsers ignore inside a URL's scheme (whitespace,
// control characters), so "java\tscript:" is seen for what it is.
func squeeze(u string) string {
	return strings.Map(func(r rune) rune {
		if r <= 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, u)
}

// safeLink accepts http(s), tel: and mailto: URLs and paths on this site.
func safeLink(u string) bool {
	if u == "" || len(u) > maxURL {
		return false
	}
	l := strings.ToLower(squeeze(u))
	switch {
	case strings.HasPrefix(l, "http://"), strings.HasPrefix(l, "https://"), strings.HasPrefix(l, "tel:"), strings.HasPrefix(l, "mailto:"):
		return true
	case strings.HasPrefix(l, "/") && !strings.HasPrefix(l, "//") && !strings.Contains(l, "\\"):
		return true
	}
	return false
}

// safeImage accepts http(s) URLs and paths on this site.
func safeImage(u string) bool {
	if u == "" || len(u) > maxURL {
		return false
	}
	l := strings.ToLower(squeeze(u))
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://") ||
		(strings.HasPrefix(l, "/") && !strings.HasPrefix(l, "//") && !strings.Contains(l, "\\"))
}
