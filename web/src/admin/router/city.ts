// City back office pages (city admins and operators, and HQ people who
// entered a city). Each needs a city and shows only when its op exists.
//
// Planned, as their APIs land (or are built next): staff, payouts and
// ledger, settlement settings, dispatch policy.
import type { RouteRecordRaw } from 'vue-router'
import { User, Document, Stamp, ChatLineSquare, TrendCharts, Shop, Tickets, Service, Medal, Guide, Ticket, Setting, Wallet, Avatar } from '@element-plus/icons-vue'

export default [
  {
    path: '/city/figures',
    component: () => import('../city/Figures.vue'),
    meta: { op: 'GET /v1/admin/figures', menu: { group: 'city', title: 'admin.menu.figures', icon: TrendCharts, order: 5 } },
  },
  {
    path: '/city/applications',
    component: () => import('../city/Applications.vue'),
    meta: { op: 'GET /v1/admin/merchant-applications', menu: { group: 'city', title: 'admin.menu.applications', icon: Stamp, order: 10 } },
  },
  {
    path: '/city/merchants',
    component: () => import('../city/Merchants.vue'),
    meta: { op: 'GET /v1/admin/merchants', menu: { group: 'city', title: 'admin.menu.merchants', icon: Shop, order: 20 } },
  },
  {
    path: '/city/orders',
    component: () => import('../city/Orders.vue'),
    meta: { op: 'GET /v1/admin/orders', menu: { group: 'city', title: 'admin.menu.orders', icon: Tickets, order: 30 } },
  },
  {
    path: '/city/aftersales',
    component: () => import('../city/AfterSales.vue'),
    meta: { op: 'GET /v1/admin/aftersales', menu: { group: 'city', title: 'admin.menu.aftersales', icon: Service, order: 40 } },
  },
  {
    path: '/city/certifications',
    component: () => import('../city/Certifications.vue'),
    meta: { op: 'GET /v1/admin/certifications', menu: { group: 'city', title: 'admin.menu.certifications', icon: Medal, order: 45 } },
  },
  {
    path: '/city/reviews',
    component: () => import('../city/Reviews.vue'),
    meta: { op: 'GET /v1/admin/reviews', menu: { group: 'city', title: 'admin.menu.reviews', icon: ChatLineSquare, order: 50 } },
  },
  {
    path: '/city/dispatch-policy',
    component: () => import('../city/DispatchPolicy.vue'),
    meta: { op: 'GET /v1/admin/dispatch-policy', menu: { group: 'city', title: 'admin.words.dispatchPolicy', icon: Guide, order: 55 } },
  },
  {
    path: '/city/coupons',
    component: () => import('../city/Coupons.vue'),
    meta: { op: 'GET /v1/admin/coupons', menu: { group: 'city', title: 'admin.words.coupons', icon: Ticket, order: 56 } },
  },
  {
    path: '/city/policies',
    component: () => import('../city/Policies.vue'),
    meta: { op: 'GET /v1/admin/policies', menu: { group: 'city', title: 'admin.ops.menu.policies', icon: Setting, order: 57 } },
  },
  {
    path: '/city/money',
    component: () => import('../city/Money.vue'),
    meta: { op: 'GET /v1/admin/ledger', menu: { group: 'city', title: 'admin.ops.menu.money', icon: Wallet, order: 58 } },
  },
  {
    path: '/city/staff',
    component: () => import('../city/Staff.vue'),
    meta: { op: 'GET /v1/admin/staff', menu: { group: 'city', title: 'admin.ops.menu.staff', icon: Avatar, order: 25 } },
  },
  {
    path: '/city/operators',
    component: () => import('../city/Operators.vue'),
    meta: { op: 'GET /v1/admin/operators', menu: { group: 'city', title: 'admin.menu.operators', icon: User, order: 80 } },
  },
  {
    path: '/city/audit',
    component: () => import('../city/Audit.vue'),
    meta: { op: 'GET /v1/admin/audit', menu: { group: 'city', title: 'admin.menu.cityAudit', icon: Document, order: 90 } },
  },
  {
    path: '/city/pages',
    component: () => import('../components/PageEditorCity.vue'),
    meta: { op: 'GET /v1/admin/pages', menu: { group: 'city', title: 'admin.merchantB.menu.cityPages', icon: Shop, order: 60 } },
  },
] satisfies RouteRecordRaw[]
