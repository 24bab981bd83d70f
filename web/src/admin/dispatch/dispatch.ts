// An order's dispatch history (GET .../orders/{id}/dispatch, 派单说明) and
// the dispatch policy (派单策略), as the city and merchant back offices show them.

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

/** A dispatch policy (派单策略), the city's default or a shop's own. */
export interface Weights {
  distance: number
  rating: number
  load: number
  acceptance: number
  past_staff: number
}
export interface DispatchPolicy {
  weights: Weights
  radius_m: number
  offer_timeout_s: number
  max_rounds: number
  daily_load_cap: number
  require_valid_cert: boolean
  cert_skills: string[]
  min_rating: number
  depart_alert_min: number
}
/** GET/PUT answer: the policy in force and where it comes from. */
export interface DispatchPolicyView {
  policy: DispatchPolicy
  source: 'merchant' | 'city' | 'default' | string
  updated_by?: number
  updated_at?: string
}
export const WEIGHTS: (keyof Weights)[] = ['distance', 'rating', 'load', 'acceptance', 'past_staff']

export const blankPolicy = (): DispatchPolicy => ({
  weights: { distance: 0, rating: 0, load: 0, acceptance: 0, past_staff: 0 },
  radius_m: 5000,
  offer_timeout_s: 60,
  max_rounds: 3,
  daily_load_cap: 6,
  require_valid_cert: true,
  cert_skills: [],
  min_rating: 0,
  depart_alert_min: 30,
})

/** Copy a policy into the form (deep, so edits do not touch the original). */
export function fillPolicy(form: DispatchPolicy, p: DispatchPolicy) {
  Object.assign(form, JSON.parse(JSON.stringify(p)), { cert_skills: [...(p.cert_skills || [])] })
}
