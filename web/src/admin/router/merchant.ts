// Merchant back office pages (merchant owners and dispatchers; a city-bound
// role). Shop, services, staff, dispatch, orders, reviews and marketing
// pages slot in here, each with the `op` it reads and a menu entry in the
// "merchant" group; they appear for a role as soon as the API serves them.
// Menu orders: 10-19 and 40-79 here (shop, items, staff, orders, after-sales,
// reviews, money, dispatchers); 20-39 and 80-99 for dispatch, decoration,
// coupons and figures.
import type { RouteRecordRaw } from 'vue-router'
import { Avatar, Brush, ChatDotRound, Goods, Guide, Service, SetUp, Shop, Ticket, Tickets, TrendCharts, User, Wallet } from '@element-plus/icons-vue'

export default [
  {
    path: '/merchant/dispatch',
    component: () => import('../merchant/Dispatch.vue'),
    meta: { op: 'GET /v1/merchant/dispatch/board', menu: { group: 'merchant', title: 'admin.merchantB.menu.dispatch', icon: Guide, order: 20 } },
  },
  {
    path: '/merchant/dispatch-policy',
    component: () => import('../merchant/DispatchPolicy.vue'),
    meta: { op: 'GET /v1/merchant/dispatch-policy', menu: { group: 'merchant', title: 'admin.words.dispatchPolicy', icon: SetUp, order: 22 } },
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
    meta: { op: 'GET /v1/merchant/coupons', menu: { group: 'merchant', title: 'admin.words.coupons', icon: Ticket, order: 88 } },
  },
  {
    path: '/merchant/shop',
    component: () => import('../merchant/Shop.vue'),
    meta: { op: 'GET /v1/merchant/shop', menu: { group: 'merchant', title: 'admin.merchantA.menu.shop', icon: Shop, order: 10 } },
  },
  {
    path: '/merchant/items',
    component: () => import('../merchant/Items.vue'),
    meta: { op: 'GET /v1/merchant/items', menu: { group: 'merchant', title: 'admin.merchantA.menu.items', icon: Goods, order: 12 } },
  },
  {
    path: '/merchant/items/new',
    component: () => import('../merchant/ItemEdit.vue'),
    meta: { op: 'POST /v1/merchant/items', parent: '/merchant/items' },
  },
  {
    path: '/merchant/items/:id(\\d+)',
    component: () => import('../merchant/ItemEdit.vue'),
    meta: { op: 'PATCH /v1/merchant/items/{id}', parent: '/merchant/items' },
  },
  {
    path: '/merchant/staff',
    component: () => import('../merchant/Staff.vue'),
    meta: { op: 'GET /v1/merchant/staff', menu: { group: 'merchant', title: 'admin.words.staff', icon: User, order: 14 } },
  },
  {
    path: '/merchant/staff/:id(\\d+)',
    component: () => import('../merchant/StaffDetail.vue'),
    meta: { op: 'GET /v1/merchant/staff/{id}', parent: '/merchant/staff' },
  },
  {
    path: '/merchant/orders',
    component: () => import('../merchant/Orders.vue'),
    meta: { op: 'GET /v1/merchant/orders', menu: { group: 'merchant', title: 'admin.merchantA.menu.orders', icon: Tickets, order: 40 } },
  },
  {
    path: '/merchant/orders/:id(\\d+)',
    component: () => import('../merchant/OrderDetail.vue'),
    meta: { op: 'GET /v1/merchant/orders/{id}', parent: '/merchant/orders' },
  },
  {
    path: '/merchant/aftersales',
    component: () => import('../merchant/AfterSales.vue'),
    meta: { op: 'GET /v1/merchant/aftersales', menu: { group: 'merchant', title: 'admin.words.aftersales', icon: Service, order: 45 } },
  },
  {
    path: '/merchant/reviews',
    component: () => import('../merchant/Reviews.vue'),
    meta: { op: 'GET /v1/merchant/reviews', menu: { group: 'merchant', title: 'admin.merchantA.menu.reviews', icon: ChatDotRound, order: 50 } },
  },
  {
    path: '/merchant/money',
    component: () => import('../merchant/Money.vue'),
    meta: { op: 'GET /v1/merchant/balance', menu: { group: 'merchant', title: 'admin.merchantA.menu.money', icon: Wallet, order: 60 } },
  },
  {
    path: '/merchant/dispatchers',
    component: () => import('../merchant/Dispatchers.vue'),
    meta: { op: 'GET /v1/merchant/dispatchers', menu: { group: 'merchant', title: 'admin.merchantA.menu.dispatchers', icon: Avatar, order: 70 } },
  },
] satisfies RouteRecordRaw[]
