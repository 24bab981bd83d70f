import type { RouteRecordRaw } from 'vue-router'

export default [
  { path: '/login', name: 'login', component: () => import('../pages/Login.vue') },
  { path: '/my', name: 'my', component: () => import('../pages/My.vue'), meta: { tabbar: true } },
  { path: '/inbox', name: 'inbox', component: () => import('../pages/Inbox.vue'), meta: { tabbar: true, auth: true, city: true } },
  { path: '/addresses', name: 'addresses', component: () => import('../pages/Addresses.vue'), meta: { auth: true, city: true } },
  { path: '/addresses/new', name: 'address-new', component: () => import('../pages/AddressEdit.vue'), meta: { auth: true, city: true } },
  { path: '/addresses/:id(\\d+)/edit', name: 'address-edit', component: () => import('../pages/AddressEdit.vue'), meta: { auth: true, city: true } },
  { path: '/coupons', name: 'coupons', component: () => import('../pages/Coupons.vue'), meta: { city: true } },
] satisfies RouteRecordRaw[]
