// Types of the customer journey and the staff app, as /openapi.json
// documents them (and as the running API answers). Money is integer fen;
// times are UTC RFC 3339 strings; *_local fields are city wall-clock text.

export interface CategoryBrief {
  code: string
  name: string
  name_en?: string
}

export interface BrowseItem {
  id: number
  title: string
  photo: string
  category: CategoryBrief
  price_model: 'fixed' | 'deposit' | string
  price_fen: number
  price_max_fen: number
  deposit_fen: number
  unit: string
  duration_min: number
  merchant: { id: number; name: string }
  rating_avg: number // stars × 100
  rating_count: number
  sales_count: number
  distance_m?: number
}

export interface ReviewBrief {
  id: number
  reviewer: string
  overall: number
  content: string
  photos: string[]
  created_at: string
  punctuality?: number
  skill?: number
  attitude?: number
  reply?: string
  replied_at?: string
  service?: string
}

/** A service (服务项目) as both the public pages and the shop's own back office read it. */
export interface ServiceFields {
  id: number
  category_code: string
  title: string
  description: string
  photos: string[]
  price_model: 'fixed' | 'deposit' | string
  price_fen: number
  price_max_fen: number
  deposit_fen: number
  unit: string
  duration_min: number
  skills: string[]
  status: string
  rating_avg: number
  rating_count: number
  sales_count: number
}

export interface ServiceDetail extends ServiceFields {
  merchant_id: number
  category: CategoryBrief
  category_path?: CategoryBrief[]
  skill_names?: CategoryBrief[]
  merchant: { id: number; name: string; logo_url: string; rating_avg: number; rating_count: number }
  reviews: ReviewBrief[]
}

export interface ShopPublic {
  id: number
  name: string
  logo_url: string
  intro: string
  rating_avg: number
  rating_count: number
  categories: CategoryBrief[]
  items_on_shelf: number
  /** Weekday ("0" Sunday … "6") -> [open, close], as "08:00" or minutes since midnight. */
  opening_hours?: Record<string, (string | number)[]>
  since: string
}

export interface StaffCard {
  id: number
  display_name: string
  photo_url: string
  bio: string
  years_experience: number
  skills: CategoryBrief[]
  certifications: { name: string; issuer: string; expires_on?: string; skill_code?: string }[]
  rating_avg: number
  rating_count: number
  completed_jobs: number
  merchant: { id: number; name: string }
  reviews?: ReviewBrief[]
}

export interface Slot {
  start: string
  end: string
  start_local: string
  end_local: string
}

export interface SlotDay {
  staff_id: number
  service_id: number
  date: string
  time_zone: string
  duration_min: number
  slots: Slot[]
}

export interface Address {
  id: number
  label: string
  contact_name: string
  phone: string // masked
  address: string // masked
  district: string
  lat: number
  lng: number
  is_default: boolean
  created_at: string
  updated_at: string
}

export interface AddressInput {
  label?: string
  contact_name: string
  phone: string
  address: string
  district?: string
  lat: number
  lng: number
  is_default?: boolean
}

export type OrderStatus =
  | 'pending_payment'
  | 'dispatching'
  | 'assigned'
  | 'on_the_way'
  | 'arrived'
  | 'in_service'
  | 'awaiting_balance'
  | 'completed'
  | 'cancelled'
  | 'expired'
  | 'after_sales'
  | 'refunded'

export interface Order {
  id: number
  order_no: string
  customer_id: number
  merchant_id: number
  service_item_id: number
  staff_id: number
  staff_chosen: boolean
  status: OrderStatus | string
  slot_start: string
  slot_end: string
  duration_min: number
  title: string
  category_code: string
  address_id: number
  contact_name: string
  phone: string
  address: string
  lat: number
  lng: number
  requirements: string
  price_model: 'fixed' | 'deposit' | string
  price_fen: number
  price_max_fen: number
  discount_fen: number
  coupon_id: number
  total_fen: number
  deposit_fen: number
  paid_fen: number
  refunded_fen: number
  balance_fen: number
  final_price_fen: number
  cancel_fee_fen: number
  pay_deadline: string | null
  paid_at: string | null
  assigned_at: string | null
  departed_at: string | null
  arrived_at: string | null
  started_at: string | null
  completed_at: string | null
  closed_at: string | null
  close_reason: string
  finish_note: string
  finish_photos: string[]
  reviewed: boolean
  version: number
  created_at: string
  updated_at: string
  payable_kind?: 'full' | 'deposit' | 'balance' | ''
  payable_now_fen: number
  time_zone: string
  slot_local: string
  slot_end_local: string
  created_local: string
  pay_deadline_local?: string
  completed_local?: string
  /** Staff job view only: from assignment until the service ends. */
  full_address?: string
  contact_phone?: string
}

export interface OrderEvent {
  id: number
  order_id: number
  event: string
  from: string
  to: string
  actor_id: number
  actor_role: string
  reason: string
  at: string
  at_local: string
}

/** One Server-Sent Event of an order's live stream. */
export interface OrderNotice {
  order_id: number
  status: string
  version: number
  event?: string
  at: string
}

export interface PayStarted {
  payment_no: string
  method: string
  kind: 'full' | 'deposit' | 'balance' | string
  amount_fen: number
  pay_url?: string
  qr_code?: string
  expires_at: string
  reused: boolean
}

export interface AfterSale {
  id: number
  order_id: number
  order_no: string
  status: 'open' | 'replied' | 'arbitrating' | 'closed' | string
  reason: string
  detail: string
  photos: string[]
  requested_fen: number
  merchant_reply: string
  merchant_offer_fen: number
  replied_at: string | null
  decision: string
  decision_note: string
  decided_at: string | null
  refund_fen: number
  bearer: string
  created_at: string
  created_local: string
  updated_at: string
}

export interface InboxItem {
  id: number
  event: string
  title: string
  body: string
  data?: Record<string, string>
  read_at: string | null
  created_at: string
}

export interface InboxPage {
  items: InboxItem[]
  next_cursor?: string
  unread: number
}

export interface Certification {
  id: number
  name: string
  issuer: string
  skill_code: string
  document_url: string
  status: 'pending' | 'verified' | 'rejected' | string
  note: string
  expires_on?: string
  expired: boolean
  valid: boolean
  created_at: string
  verified_at?: string | null
}

export interface StaffMe {
  id: number
  merchant_id: number
  display_name: string
  photo_url: string
  bio: string
  years_experience: number
  phone: string
  skills: string[]
  skill_names?: CategoryBrief[]
  status: string
  on_duty: boolean
  rating_avg: number
  rating_count: number
  completed_jobs: number
  work_start?: string
  work_end?: string
  work_days?: number[]
  location?: { lat: number; lng: number } | null
  located_at?: string | null
  certifications?: Certification[]
  merchant?: { id: number; name: string; logo_url?: string; status?: string }
}

export interface DutyState {
  staff_id: number
  on_duty: boolean
  location?: { lat: number; lng: number } | null
  located_at?: string | null
}

export interface Earnings {
  staff_id: number
  today_fen: number
  month_fen: number
  total_fen: number
  balance?: {
    earned_fen: number
    pending_fen: number
    settled_fen: number
    requested_fen: number
    paid_out_fen: number
    available_fen: number
  }
}

/** A coupon as customers see it (marketing). */
export interface CouponCard {
  id: number
  title: string
  summary: string
  issuer: string
  merchant_id?: number
  kind: string
  amount_fen: number
  percent_bps: number
  cap_fen: number
  min_spend_fen: number
  category_codes: string[]
  item_ids: number[]
  audience: string
  valid_from: string
  valid_to: string
  remaining: number
  held?: number
}

export interface MyCoupon {
  id: number
  status: 'available' | 'used' | 'expired' | string
  source: string
  order_id?: number
  claimed_at: string
  used_at?: string | null
  expires_at: string
  coupon: CouponCard
}

/** A dispatch offer to a staff member (smart dispatch): the job without the customer's address or phone. */
export interface Offer {
  id: number
  order_id: number
  order_no?: string
  round?: number
  status: string
  service?: string
  category_code?: string
  slot_start?: string
  slot_end?: string
  slot_local?: string
  duration_min?: number
  district?: string
  distance_m?: number
  deadline: string
  offered_at?: string
  seconds_left?: number
}
