/** A start time the customer picked. */
export interface PickedSlot {
  start: string // UTC RFC 3339
  date: string // city date
  local: string // "HH:MM" city time
  end_local?: string
}
