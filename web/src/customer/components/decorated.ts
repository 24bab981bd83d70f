// A decorated page (店铺装修) as GET /v1/pages/home hands it out: a title and
// components top to bottom, filled with live data by the server.
import type { BrowseItem, CouponCard, StaffCard } from '@/shared/api/booking'

export interface PageImage {
  image_url: string
  link?: string
}

export interface PageComponent {
  type: 'banner' | 'service_grid' | 'staff_showcase' | 'coupon_strip' | 'rich_text' | 'notice' | string
  title?: string
  images?: PageImage[]
  // filled data (the server may name them either way)
  items?: BrowseItem[]
  services?: BrowseItem[]
  staff?: StaffCard[]
  coupons?: CouponCard[]
  html?: string
  text?: string
  level?: 'info' | 'warning' | 'promo' | string
  category?: string
}

export interface PageDoc {
  title?: string
  kind?: string
  version?: number
  /** Nothing is published yet: the default template with live data. */
  default?: boolean
  components: PageComponent[]
}
