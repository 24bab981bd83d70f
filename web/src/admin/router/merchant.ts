// Merchant back office pages (merchant owners and dispatchers; a city-bound
// role). Shop, services, staff, dispatch, orders, reviews and marketing
// pages slot in here, each with the `op` it reads and a menu entry in the
// "merchant" group; they appear for a role as soon as the API serves them.
import type { RouteRecordRaw } from 'vue-router'
import { Guide, SetUp, Brush, Ticket, TrendCharts } from '@element-plus/icons-vue'

export default [
  {
    path: '/merchant/dispatch',
    component: () => import('../merchant/Dispatch.vue'),
    meta: { op: 'GET /v1/merchant/dispatch/board', menu: { group: 'merchant', title: 'admin.merchantB.menu.dispatch', icon: Guide, order: 20 } },
  },
  {
    path: '/merchant/dispatch-policy',
    component: () => import('../merchant/DispatchPolicy.vue'),
    meta: { op: 'GET /v1/merchant/dispatch-policy', menu: { group: 'merchant', title: 'admin.merchantB.menu.policy', icon: SetUp, order: 22 } },
  },
  {
    path: '/merchant/decoration',
    component: () => import('../merchant/Decoration.vue'),
    meta: { op: 'GET /v1/merchant/pages/shop/draft', menu: { group: 'merchant', title: 'admin.merchantB.menu.decoration', icon: Brush, order: 85 } },
  },
  {
    path: '/merchant/figures',
    component: () => import('../merchant/Figures.vue'),
    meta: { op: 'GET /v1/merchant/figures', menu: { group: 'merchant', title: 'admin.merchantB.menu.figures', icon: TrendCharts, order: 80 } },
  },
  {
    path: '/merchant/coupons',
    component: () => import('../merchant/Coupons.vue'),
    meta: { op: 'GET /v1/merchant/coupons', menu: { group: 'merchant', title: 'admin.merchantB.menu.coupons', icon: Ticket, order: 88 } },
  },
] satisfies RouteRecordRaw[]
