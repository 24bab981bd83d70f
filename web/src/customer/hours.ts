// A shop's opening hours: weekday ("0" Sunday … "6" Saturday) -> [open,
// close] as "08:00" or minutes since midnight.

type Hours = Record<string, (string | number)[]>

export function minutes(v: string | number | undefined): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null
  const m = /^(\d{1,2}):(\d{2})$/.exec(String(v ?? '').trim())
  return m ? Number(m[1]) * 60 + Number(m[2]) : null
}

export const hhmm = (min: number) => `${String(Math.floor(min / 60) % 24).padStart(2, '0')}:${String(min % 60).padStart(2, '0')}`

/** [open, close] in minutes on a weekday, or null when closed. */
export function openOn(hours: Hours | undefined, weekday: number): [number, number] | null {
  const d = hours?.[String(weekday)]
  if (!d || d.length < 2) return null
  const a = minutes(d[0])
  const b = minutes(d[1])
  if (a === null || b === null || b <= a) return null
  return [a, b]
}

/** "每天 08:00–20:00", or per weekday runs: "周一至周五 09:00–18:00；周六 10:00–16:00". */
export function hoursText(hours: Hours | undefined, t: (k: string, n?: Record<string, unknown>) => string): string {
  if (!hours) return ''
  const order = [1, 2, 3, 4, 5, 6, 0]
  const spans = order.map((d) => {
    const o = openOn(hours, d)
    return o ? `${hhmm(o[0])}–${hhmm(o[1])}` : ''
  })
  if (spans.every((s) => s && s === spans[0])) return t('hours.everyday', { span: spans[0] })
  const parts: string[] = []
  for (let i = 0; i < 7; ) {
    let j = i
    while (j + 1 < 7 && spans[j + 1] === spans[i]) j++
    if (spans[i]) {
      const from = t(`hours.d${order[i]}`)
      parts.push(i === j ? `${from} ${spans[i]}` : `${from}${t('hours.to')}${t(`hours.d${order[j]}`)} ${spans[i]}`)
    }
    i = j + 1
  }
  return parts.join(t('hours.sep')) || t('hours.closed')
}
