// Pictures that never break: a soft, category-coloured SVG made in the
// client with the category's Chinese name, shown while a photo loads and
// instead of any photo that fails (the demo's photo URLs point nowhere).

const palette = [
  ['#fff1e8', '#ff6a1a'], // orange
  ['#e8f3ff', '#1f6fd6'], // blue
  ['#e9f8ef', '#1a8f4c'], // green
  ['#fdeef3', '#c93a6b'], // pink
  ['#f1edff', '#6a4fd0'], // violet
  ['#fff7e0', '#b7791f'], // amber
  ['#e6f7f7', '#138686'], // teal
  ['#f2f3f5', '#5c6470'], // grey
  ['#eaf0ff', '#3b5bdb'], // indigo
]

// Top-level categories keep a fixed colour; others hash into the palette.
const fixed: Record<string, number> = { housekeeping: 0, repair: 1, nursing: 2, massage: 3, tutoring: 4, petcare: 5, plumbing: 6, laundry: 8 }

function hash(s: string): number {
  let h = 2166136261
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619)
  return h >>> 0
}

export function colorsOf(key: string): [string, string] {
  const i = key in fixed ? fixed[key] : hash(key || '?') % palette.length
  return palette[i] as [string, string]
}

const esc = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`)

const cache = new Map<string, string>()

/**
 * A data: URL of an SVG placeholder: background and text coloured by `key`
 * (a category code), `label` (the category's Chinese name) in the middle.
 * `shape` picks the aspect: square (thumbnails, avatars) or wide (banners).
 */
export function placeholder(key: string, label: string, shape: 'square' | 'wide' = 'square'): string {
  const k = `${key}|${label}|${shape}`
  const hit = cache.get(k)
  if (hit) return hit
  const [bg, fg] = colorsOf(key)
  const [w, h] = shape === 'wide' ? [320, 180] : [160, 160]
  const text = [...(label || '上门到家')].slice(0, 6).join('')
  const size = Math.min(Math.floor((w * 0.72) / Math.max(text.length, 2)), shape === 'wide' ? 40 : 30)
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">` +
    `<rect width="${w}" height="${h}" fill="${bg}"/>` +
    `<circle cx="${w * 0.86}" cy="${h * 0.16}" r="${h * 0.42}" fill="${fg}" opacity=".08"/>` +
    `<circle cx="${w * 0.1}" cy="${h * 0.95}" r="${h * 0.3}" fill="${fg}" opacity=".06"/>` +
    `<text x="50%" y="50%" dy=".35em" text-anchor="middle" fill="${fg}" font-size="${size}" font-weight="600" ` +
    `font-family="PingFang SC,Hiragino Sans GB,Microsoft YaHei,Noto Sans CJK SC,WenQuanYi Micro Hei,sans-serif">${esc(text)}</text></svg>`
  const url = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`
  cache.set(k, url)
  return url
}

/** An avatar placeholder: the first character of a name on a coloured disc. */
export function avatarPlaceholder(name: string, key = name): string {
  const k = `avatar|${name}|${key}`
  const hit = cache.get(k)
  if (hit) return hit
  const [bg, fg] = colorsOf(key)
  const ch = esc([...(name || '?')][0] || '?')
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" viewBox="0 0 96 96"><rect width="96" height="96" fill="${bg}"/>` +
    `<text x="50%" y="50%" dy=".35em" text-anchor="middle" fill="${fg}" font-size="42" font-weight="600" ` +
    `font-family="PingFang SC,Hiragino Sans GB,Microsoft YaHei,Noto Sans CJK SC,WenQuanYi Micro Hei,sans-serif">${ch}</text></svg>`
  const url = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`
  cache.set(k, url)
  return url
}
