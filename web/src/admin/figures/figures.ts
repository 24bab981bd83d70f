// Daily figures as the HQ, city and merchant back offices show them: the
// answer's shape, each measure's label and format, and the line chart of one
// measure (ECharts option).
import { t, te } from '@/shared/i18n'
import { money } from '@/shared/format'

export interface Figures {
  city?: string
  time_zone?: string
  from: string
  to: string
  measures: string[]
  days: { day: string; values: Record<string, number> }[]
  totals: Record<string, number>
}

const FEN = new Set(['gmv_fen', 'refunds_fen'])
const BPS = new Set(['acceptance_rate_bps', 'satisfaction_bps', 'aftersale_rate_bps'])
const SECONDS = new Set(['dispatch_seconds_total', 'dispatch_avg_seconds'])
/** Measures stored in hundredths (fen, basis points, rating×100): charted divided by 100. */
const hundredths = (m: string) => FEN.has(m) || BPS.has(m) || m === 'rating_avg_x100'

export const measureLabel = (m: string) => (te(`admin.figures.m.${m}`) ? t(`admin.figures.m.${m}`) : m)

/** A measure's value as people read it: ¥12.00, 95.0%, 4.80, 3m05s, 1,234. */
export function formatMeasure(m: string, v: number | undefined | null): string {
  if (v === undefined || v === null) return '—'
  if (FEN.has(m)) return money(v)
  if (BPS.has(m)) return `${(v / 100).toFixed(1)}%`
  if (m === 'rating_avg_x100') return v ? (v / 100).toFixed(2) : '—'
  if (SECONDS.has(m)) {
    const s = Math.round(v)
    return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
  }
  return v.toLocaleString('en-US')
}

/** The line chart of one measure over days ([day, value] in the API's units). */
export function measureLine(m: string, points: { day: string; value: number }[]) {
  return {
    tooltip: { trigger: 'axis', valueFormatter: (v: number) => (FEN.has(m) ? `¥${v.toFixed(2)}` : BPS.has(m) ? `${v}%` : String(v)) },
    grid: { left: 56, right: 16, top: 16, bottom: 28 },
    animationDuration: 300,
    xAxis: { type: 'category', data: points.map((p) => p.day.slice(5)) },
    yAxis: { type: 'value', minInterval: hundredths(m) ? undefined : 1 },
    series: [{ type: 'line', name: measureLabel(m), smooth: true, areaStyle: { opacity: 0.12 }, data: points.map((p) => (hundredths(m) ? p.value / 100 : p.value)) }],
  }
}

/** Save a downloaded file (a CSV export) under a name. */
export function saveBlob(blob: Blob, name: string) {
  const a = document.createElement('a')
  a.href = URL.createObjectURL(blob)
  a.download = name
  a.click()
  setTimeout(() => URL.revokeObjectURL(a.href), 1000)
}
