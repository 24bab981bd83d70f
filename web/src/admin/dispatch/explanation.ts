// An order's dispatch history (GET .../orders/{id}/dispatch), as the city and
// merchant back offices show it (派单说明).

export interface Score {
  distance: number
  rating: number
  load: number
  acceptance: number
  past_staff: number
  total: number
}
export interface Candidate {
  staff_id: number
  name: string
  distance_m: number
  load: number
  rule?: string
  note?: string
  score?: Score
  rank?: number
  chosen?: boolean
}
export interface Decision {
  id: number
  round: number
  mode: string
  outcome: string
  reason?: string
  chosen_staff_id: number
  considered: number
  qualified: number
  actor_id?: number
  created_local: string
  explanation?: { radius_m?: number; best_staff_id?: number; weights?: Record<string, number>; candidates?: Candidate[]; reason?: string }
}
export interface Offer {
  id: number
  round: number
  staff_id: number
  status: string
  score: number
  distance_m: number
  offered_at: string
  deadline?: string
  responded_at?: string
  decline_reason: string
}
export interface DispatchHistory {
  order_id?: number
  order_no?: string
  status?: string
  staff_id?: number
  decisions: Decision[]
  offers: Offer[]
}

/** 850 m / 1.2 km */
export const km = (m: number) => (m >= 1000 ? `${(m / 1000).toFixed(1)} km` : `${m} m`)

/** Staff names by id, from the candidates of every decision. */
export function candidateNames(h: DispatchHistory | null | undefined): Record<number, string> {
  const m: Record<number, string> = {}
  for (const d of h?.decisions || []) for (const c of d.explanation?.candidates || []) m[c.staff_id] = c.name
  return m
}
