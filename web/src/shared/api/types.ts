// Types of the API's answers, as /openapi.json documents them. Money is
// integer fen; times are UTC RFC 3339 strings.

export interface Grant {
  id: number
  account_id: number
  domain: string // "hq" or "city:<code>"
  role: Role
  merchant_id?: number
  staff_id?: number
  granted_by?: number
  created_at: string
}

export type Role =
  | 'hq_admin'
  | 'hq_operator'
  | 'city_admin'
  | 'city_operator'
  | 'merchant_owner'
  | 'merchant_dispatcher'
  | 'staff'
  | 'customer'

export const HQ_ROLES: Role[] = ['hq_admin', 'hq_operator']
export const CITY_ROLES: Role[] = ['city_admin', 'city_operator', 'merchant_owner', 'merchant_dispatcher', 'staff']
export const BACK_OFFICE_ROLES: Role[] = ['hq_admin', 'hq_operator', 'city_admin', 'city_operator', 'merchant_owner', 'merchant_dispatcher']

export interface Session {
  access_token: string
  access_expires_at: string
  refresh_token: string
  refresh_expires_at: string
  token_type: string
  scope: string // "" customer, "hq", "city:<code>"
  role: Role
  merchant_id?: number
  staff_id?: number
  account_id: number
  new_account?: boolean
  grants: Grant[]
}

export interface Profile {
  id: number
  display_name: string
  avatar_url: string
  locale: string
  phone: string // masked
  email: string // masked
  has_password: boolean
  notify_sms: boolean
  notify_push: boolean
  created_at: string
  grants: Grant[]
}

export interface PublicCity {
  code: string
  name: string
  name_en: string
  zone: string
  currency: string
  open: boolean
  notice?: string
}

export interface City {
  id: number
  code: string
  name: string
  name_en: string
  zone: string
  currency: string
  status: 'active' | 'suspended' | 'provisioning' | string
  bookings_paused: boolean
  placement: string
  commission_bps: number
  created_at: string
  updated_at: string
}

export interface CityCreateInput {
  code: string
  name: string
  name_en?: string
  zone?: string
  currency?: string
  placement?: string
  commission_bps?: number
  admin_phone?: string
  admin_name?: string
}

export interface CityCreated {
  city: City
  admin_account_id?: number
  took_ms: number
}

export interface AuditEntry {
  id: number
  at: string
  actor_id: number
  actor_role: string
  scope: string
  city: string
  action: string
  target_type: string
  target_id: string
  outcome: string
  ip: string
  request_id: string
  detail?: string
}

export interface List<T> {
  items: T[]
  next_cursor?: string
}

export interface SandboxMessage {
  id: number
  channel: string
  template: string
  body: string
  created_at: string
}

export interface Ok {
  ok: boolean
}
