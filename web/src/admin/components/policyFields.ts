// Booking and cancellation rules that HQ sets as defaults and each city may
// override: how each is entered (percent for basis points) and shown.
import { percentFromBps } from '@/shared/format'
import { t } from '@/shared/i18n'

export type PolicyKey = 'free_cancel_hours' | 'cancel_fee_bps' | 'on_the_way_fee_bps' | 'aftersale_window_days' | 'payment_timeout_min'

export interface PolicyFieldDef {
  key: PolicyKey | 'commission_bps'
  /** basis points, entered as a percentage */
  bps: boolean
  min: number
  max: number
  unit: string
  show(v: number): string
}

function plain(key: PolicyKey | 'commission_bps', min: number, max: number, unit: string): PolicyFieldDef {
  return { key, bps: false, min, max, unit, show: (v) => `${v} ${t(`admin.ops.unit.${unit}`)}` }
}
function bps(key: PolicyKey | 'commission_bps', max: number): PolicyFieldDef {
  return { key, bps: true, min: 0, max, unit: 'pct', show: (v) => percentFromBps(v) }
}

type Def<K> = PolicyFieldDef & { key: K }

export const POLICY_FIELDS = [
  plain('free_cancel_hours', 0, 720, 'hours'),
  bps('cancel_fee_bps', 10000),
  bps('on_the_way_fee_bps', 10000),
  plain('aftersale_window_days', 0, 365, 'days'),
  plain('payment_timeout_min', 1, 1440, 'min'),
] as Def<PolicyKey>[]

export const COMMISSION_FIELD: PolicyFieldDef = bps('commission_bps', 5000)
