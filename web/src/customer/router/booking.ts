// Booking and orders: book, pay, the order list and an order, review,
// after-sales.
import type { RouteRecordRaw } from 'vue-router'

const m = { auth: true, city: true }

export default [
  { path: '/book/:id(\\d+)', name: 'book', component: () => import('../pages/Book.vue'), meta: m },
  { path: '/orders', name: 'orders', component: () => import('../pages/Orders.vue'), meta: { ...m, tabbar: true } },
  { path: '/orders/:id(\\d+)', name: 'order', component: () => import('../pages/OrderDetail.vue'), meta: m },
  { path: '/orders/:id(\\d+)/pay', name: 'pay', component: () => import('../pages/Pay.vue'), meta: m },
  { path: '/orders/:id(\\d+)/review', name: 'review', component: () => import('../pages/Review.vue'), meta: m },
  { path: '/orders/:id(\\d+)/aftersale', name: 'aftersale-new', component: () => import('../pages/AfterSaleNew.vue'), meta: m },
  { path: '/aftersales', name: 'aftersales', component: () => import('../pages/AfterSales.vue'), meta: m },
  { path: '/aftersales/:id(\\d+)', name: 'aftersale', component: () => import('../pages/AfterSale.vue'), meta: m },
] satisfies RouteRecordRaw[]
