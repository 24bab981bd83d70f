// Money and time as people read them: fen as ¥12.34; UTC times in the
// city's own time zone.
import { currentLocale } from './i18n'

const symbols: Record<string, string> = { CNY: '¥', HKD: 'HK$', MOP: 'MOP$', TWD: 'NT$', USD: '$' }

/** 1234 fen -> "¥12.34"; -50 -> "-¥0.50"; 123456789 -> "¥1,234,567.89". */
export function money(fen: number | null | undefined, currency = 'CNY'): string {
  if (fen === null || fen === undefined || !Number.isFinite(fen)) return '—'
  const n = Math.round(fen)
  const sign = n < 0 ? '-' : ''
  const abs = Math.abs(n)
  const yuan = Math.floor(abs / 100)
  const cents = String(abs % 100).padStart(2, '0')
  const grouped = String(yuan).replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  const sym = symbols[currency] ?? currency + ' '
  return `${sign}${sym}${grouped}.${cents}`
}

/** Basis points as a percentage: 1000 -> "10%", 1250 -> "12.5%". */
export function percentFromBps(bps: number | null | undefined): string {
  if (bps === null || bps === undefined) return '—'
  return `${Number((bps / 100).toFixed(2))}%`
}

const fmtCache = new Map<string, Intl.DateTimeFormat>()

function formatter(zone: string, withSeconds: boolean): Intl.DateTimeFormat {
  const k = `${zone}|${withSeconds}`
  let f = fmtCache.get(k)
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-GB', {
        timeZone: zone,
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: withSeconds ? '2-digit' : undefined,
        hourCycle: 'h23',
      })
    } catch {
      f = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
    }
    fmtCache.set(k, f)
  }
  return f
}

/** A UTC instant in a zone as "2026-11-27 21:05" (seconds optional). */
export function dateTime(iso: string | Date | null | undefined, zone = 'Asia/Shanghai', withSeconds = false): string {
  if (!iso) return '—'
  const d = typeof iso === 'string' ? new Date(iso) : iso
  if (Number.isNaN(d.getTime()) || d.getUTCFullYear() <= 1) return '—'
  const parts: Record<string, string> = {}
  for (const p of formatter(zone, withSeconds).formatToParts(d)) parts[p.type] = p.value
  const time = `${parts.hour}:${parts.minute}${withSeconds ? ':' + parts.second : ''}`
  return `${parts.year}-${parts.month}-${parts.day} ${time}`
}

/** Only the date part, in a zone. */
export function date(iso: string | Date | null | undefined, zone = 'Asia/Shanghai'): string {
  const s = dateTime(iso, zone)
  return s === '—' ? s : s.slice(0, 10)
}

/** Short name of a zone at an instant, e.g. "GMT+8". */
export function zoneLabel(zone: string, at: Date = new Date()): string {
  try {
    const p = new Intl.DateTimeFormat(currentLocale() === 'zh' ? 'zh-CN' : 'en-US', { timeZone: zone, timeZoneName: 'short' })
      .formatToParts(at)
      .find((x) => x.type === 'timeZoneName')
    return p?.value || zone
  } catch {
    return zone
  }
}

/** City name in the current language. */
export function cityName(c: { name: string; name_en?: string } | undefined | null): string {
  if (!c) return ''
  return currentLocale() === 'en' && c.name_en ? c.name_en : c.name
}

/** "city:sz" -> "sz"; "hq" -> "". */
export function cityOfDomain(domain: string): string {
  return domain.startsWith('city:') ? domain.slice(5) : ''
}

function offsetMs(zone: string, utcMs: number): number {
  const parts: Record<string, number> = {}
  for (const p of formatter(zone, true).formatToParts(new Date(utcMs))) parts[p.type] = Number(p.value)
  const asUtc = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour % 24, parts.minute, parts.second)
  return asUtc - Math.floor(utcMs / 1000) * 1000
}

/** A wall-clock time in a zone ("2026-11-27 09:00:00") as a UTC RFC 3339 string. */
export function zonedToUtc(wall: string, zone: string): string {
  const [d, tm = '00:00:00'] = wall.trim().split(' ')
  const [y, m, day] = d.split('-').map(Number)
  const [h, mi, s = 0] = tm.split(':').map(Number)
  const guess = Date.UTC(y, m - 1, day, h, mi, s)
  let utc = guess - offsetMs(zone, guess)
  const again = guess - offsetMs(zone, utc)
  if (again !== utc) utc = again
  return new Date(utc).toISOString()
}
