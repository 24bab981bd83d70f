// How the customer H5 groups order states: the tabs of the order list and
// the headline of an order.
import type { Order } from '@/shared/api/booking'
import { money } from '@/shared/format'

export interface OrderTab {
  key: 'all' | 'unpaid' | 'upcoming' | 'inService' | 'done' | 'afterSales'
  statuses: string[]
}

export const ORDER_TABS: OrderTab[] = [
  { key: 'all', statuses: [] },
  { key: 'unpaid', statuses: ['pending_payment', 'awaiting_balance'] },
  { key: 'upcoming', statuses: ['dispatching', 'assigned', 'on_the_way', 'arrived'] },
  { key: 'inService', statuses: ['in_service'] },
  { key: 'done', statuses: ['completed'] },
  { key: 'afterSales', statuses: ['after_sales', 'refunded'] },
]

/** The tab an order state belongs to ('closed' for cancelled and expired). */
export function groupOf(status: string): OrderTab['key'] | 'closed' {
  for (const t of ORDER_TABS) if (t.key !== 'all' && t.statuses.includes(status)) return t.key
  return 'closed'
}

export const CANCELLABLE = ['pending_payment', 'dispatching', 'assigned', 'on_the_way']

/** The price of a service as a list shows it: "¥120.00" or "¥80.00–¥500.00". */
export function priceText(it: { price_model: string; price_fen: number; price_max_fen: number }): string {
  if (it.price_model === 'deposit' && it.price_max_fen > it.price_fen) return `${money(it.price_fen)}–${money(it.price_max_fen)}`
  return money(it.price_fen)
}

/** Progress steps of an order for the detail page (index of the current one). */
export const STEPS = ['pending_payment', 'dispatching', 'assigned', 'on_the_way', 'arrived', 'in_service', 'completed'] as const

export function stepIndex(o: Pick<Order, 'status'>): number {
  const s = o.status === 'awaiting_balance' ? 'in_service' : o.status === 'after_sales' || o.status === 'refunded' ? 'completed' : o.status
  return STEPS.indexOf(s as (typeof STEPS)[number])
}
