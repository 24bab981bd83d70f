// Shared bits of the merchant back office pages (shop, items, staff, orders,
// money): the API shapes they read, yuan <-> fen, field errors from the API.
import type { ServiceFields } from '@/shared/api/booking'

export interface GeoPoint {
  lat: number
  lng: number
}
export interface GeoArea {
  center?: GeoPoint | null
  radius_m?: number
  polygon?: GeoPoint[] | null
}

export interface Shop {
  id: number
  name: string
  logo_url: string
  intro: string
  licence_no: string
  contact_name: string
  contact_phone: string
  categories: string[]
  area: GeoArea | null
  opening_hours: Record<string, string[]> | null
  status: string
  commission_bps: number | null
  rating_avg: number
  rating_count: number
  created_at: string
  updated_at: string
}

/** One of the shop's services, with its own service area. */
export interface Item extends ServiceFields {
  area: GeoArea | null
  created_at: string
  updated_at: string
}

export interface Cert {
  id: number
  staff_id: number
  name: string
  issuer: string
  skill_code: string
  document_url: string
  status: string
  note: string
  expires_on?: string
  expired: boolean
  valid: boolean
  created_at: string
  verified_at?: string | null
}

export interface Staff {
  id: number
  display_name: string
  photo_url: string
  bio: string
  years_experience: number
  skills: string[]
  skill_names: { code: string; name: string; name_en?: string }[]
  status: string
  on_duty: boolean
  phone: string
  rating_avg: number
  rating_count: number
  completed_jobs: number
  area: GeoArea | null
  work_start: string
  work_end: string
  work_days: number[]
  days_off?: string[]
  certifications?: Cert[]
  created_at: string
}

export interface Skill {
  id: number
  code: string
  name: string
  name_en: string
  category_code: string
}

export interface Page<T> {
  items: T[]
  next_cursor?: string
}

export { toFen, toYuan } from '../money'

/** Stars × 100 -> "4.5". */
export function stars(avg: number, count: number): string {
  return count ? (avg / 100).toFixed(1) : '—'
}

/** Field errors from the API, next to the form fields (shared with the other back offices). */
export { useFieldErrors } from '../composables/useFieldErrors'

/** Skill names of a staff member in the current language, joined. */
export function skillNames(list: { name: string; name_en?: string }[] | null | undefined, en: boolean): string {
  return (list || []).map((k) => (en && k.name_en ? k.name_en : k.name)).join(en ? ', ' : '、') || '—'
}

/** Split "a, b\nc" into trimmed non-empty lines/URLs. */
export function lines(s: string): string[] {
  return s
    .split(/[\n,，\s]+/)
    .map((x) => x.trim())
    .filter(Boolean)
}

export const WEEKDAYS = [1, 2, 3, 4, 5, 6, 0]

/**
 * Verify or reject a certification (资质审核) after asking: a confirm to
 * approve, a required note to reject. Resolves with the updated
 * certification, or null when the person changed their mind.
 */
export async function verifyCert(path: string, c: Cert, approve: boolean): Promise<Cert | null> {
  const { ElMessageBox } = await import('element-plus')
  const { api } = await import('@/shared/api/client')
  const { t } = await import('@/shared/i18n')
  let note = ''
  try {
    if (approve) {
      await ElMessageBox.confirm(t('admin.merchantA.staff.verifyConfirm', { name: c.name }), t('admin.merchantA.staff.verify'), { type: 'info' })
    } else {
      const r = await ElMessageBox.prompt(t('admin.merchantA.staff.rejectNote'), t('admin.merchantA.staff.reject'), {
        inputValidator: (v: string) => (v && v.trim() ? true : t('admin.merchantA.required')),
      })
      note = r.value.trim()
    }
  } catch {
    return null
  }
  return api.post<Cert>(path, { approve, note })
}
