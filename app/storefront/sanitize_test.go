package storefront_test

import (
	"regexp"
	"strings"
	"testing"

	"doorstep/app/storefront"
)

func TestSanitize_KeepsTheWhitelistAndStripsEverythingElse(t *testing.T) {
	cases := []struct{ in, want string }{
		{`<p>你好<b>世界</b></p>`, `<p>你好<b>世界</b></p>`},
		{`<p onclick="alert(1)" style="color:red">x</p>`, `<p>x</p>`},
		{`<script>alert(1)</script><p>ok</p>`, `<p>ok</p>`},
		{`<SCRIPT src="//evil.js"></SCRIPT>ok`, `ok`},
		{`<a href="javascript:alert(1)">x</a>`, `<a rel="nofollow noopener noreferrer">x</a>`},
		{`<a href="jav&#x09;ascript:alert(1)">x</a>`, `<a rel="nofollow noopener noreferrer">x</a>`},
		{`<a href="https://example.com/?a=1&b=2">x</a>`, `<a href="https://example.com/?a=1&amp;b=2" rel="nofollow noopener noreferrer">x</a>`},
		{`<a href="/services/12">x</a>`, `<a href="/services/12" rel="nofollow noopener noreferrer">x</a>`},
		{`<img src="data:image/png;base64,AAA" onerror="x">`, ``},
		{`<img src="https://img.example.com/a.jpg" alt="图" onload="x">`, `<img src="https://img.example.com/a.jpg" alt="图">`},
		{`<iframe src="https://x"></iframe><style>p{}</style>text`, `text`},
		{`<div><span>a</span></div>`, `<span>a</span>`},
		{`1 < 2 & 3 > 2`, `1 &lt; 2 &amp; 3 &gt; 2`},
		{`&lt;script&gt;`, `&lt;script&gt;`},
		{`<!-- <script>x</script> -->ok`, `ok`},
		{`<p>unclosed <b>bold`, `<p>unclosed <b>bold</b></p>`},
		{`</p>stray<p>`, `stray<p></p>`},
		{`<img src=x onerror=alert(1)//`, `&lt;img src=x onerror=alert(1)//`},
		{`<a href="x" <script>`, `<a rel="nofollow noopener noreferrer"></a>`},
		{`<svg><script>alert(1)</script></svg>after`, `after`},
	}
	for _, c := range cases {
		got := storefront.SanitizeHTML(c.in)
		if got != c.want {
			t.Errorf("SanitizeHTML(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
		// Whatever came in, every tag that comes out is whitelisted with only
		// whitelisted attributes.
		for _, m := range tagRe.FindAllStringSubmatch(got, -1) {
			if !allowed[m[1]] || !attrsRe.MatchString(m[2]) || strings.Contains(strings.ToLower(m[2]), "javascript:") {
				t.Errorf("SanitizeHTML(%q) = %q lets %q through", c.in, got, m[0])
			}
		}
		if strings.Count(got, "<") != len(tagRe.FindAllString(got, -1)) {
			t.Errorf("SanitizeHTML(%q) = %q has a raw < outside a tag", c.in, got)
		}
	}
}

var (
	tagRe   = regexp.MustCompile(`</?([a-z0-9]+)([^>]*)>`)
	attrsRe = regexp.MustCompile(`^(\s(href|src|alt|rel)="[^"<>]*")*$`)
	allowed = map[string]bool{"p": true, "br": true, "b": true, "strong": true, "i": true, "em": true, "u": true, "s": true, "h3": true, "h4": true,
		"ul": true, "ol": true, "li": true, "blockquote": true, "span": true, "a": true, "img": true}
)
