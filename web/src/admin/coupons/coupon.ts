// Coupons as the city and merchant back offices both show them.
import { money } from '@/shared/format'
import { currentLocale } from '@/shared/i18n'

export interface Coupon {
  id: number
  issuer?: 'city' | 'merchant'
  merchant_id?: number
  title: string
  kind: 'amount' | 'percent' | string
  amount_fen: number
  percent_bps: number
  cap_fen: number
  min_spend_fen: number
  category_codes: string[]
  item_ids: number[]
  valid_from: string
  valid_to: string
  total_limit: number
  per_customer_limit: number
  issued_count: number
  used_count: number
  audience: string
  claimable: boolean
  status: 'active' | 'paused' | 'stopped' | string
  created_at: string
}

/** 满减 (amount off above a minimum), 立减 (no minimum) or 折扣 (percent off). */
export type CouponType = 'full_reduction' | 'instant' | 'discount'

export function couponType(c: Pick<Coupon, 'kind' | 'min_spend_fen'>): CouponType {
  if (c.kind === 'percent') return 'discount'
  return c.min_spend_fen > 0 ? 'full_reduction' : 'instant'
}

/** What a coupon is worth, as Chinese shops say it: 满¥100.00减¥20.00, 无门槛减¥10.00, 8.5折 最高减¥30.00. */
export function couponWorth(c: Pick<Coupon, 'kind' | 'amount_fen' | 'percent_bps' | 'cap_fen' | 'min_spend_fen'>): string {
  const en = currentLocale() === 'en'
  if (c.kind === 'percent') {
    const off = en ? `${Number((c.percent_bps / 100).toFixed(2))}% off` : `${Number(((10000 - c.percent_bps) / 1000).toFixed(2))}折`
    const cap = c.cap_fen ? (en ? `, up to ${money(c.cap_fen)}` : ` 最高减${money(c.cap_fen)}`) : ''
    const min = c.min_spend_fen ? (en ? ` over ${money(c.min_spend_fen)}` : `满${money(c.min_spend_fen)} `) : ''
    return en ? `${off}${min}${cap}` : `${min}${off}${cap}`
  }
  if (c.min_spend_fen) return en ? `${money(c.amount_fen)} off over ${money(c.min_spend_fen)}` : `满${money(c.min_spend_fen)}减${money(c.amount_fen)}`
  return en ? `${money(c.amount_fen)} off` : `无门槛减${money(c.amount_fen)}`
}

export const couponTone = (s: string) => (s === 'active' ? 'success' : s === 'paused' ? 'warning' : 'info')
