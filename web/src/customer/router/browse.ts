// Browse: categories, search, service lists, a service's page, a staff
// member's public profile.
import type { RouteRecordRaw } from 'vue-router'

export default [
  { path: '/categories', name: 'categories', component: () => import('../pages/Categories.vue') },
  { path: '/search', name: 'search', component: () => import('../pages/Search.vue'), meta: { city: true } },
  { path: '/services', name: 'services', component: () => import('../pages/Services.vue'), meta: { city: true } },
  { path: '/services/:id(\\d+)', name: 'service', component: () => import('../pages/ServiceDetail.vue'), meta: { city: true } },
  { path: '/shops/:id(\\d+)', name: 'shop', component: () => import('../pages/Shop.vue'), meta: { city: true } },
  { path: '/pro/:id(\\d+)', name: 'pro', component: () => import('../pages/StaffProfile.vue'), meta: { city: true } },
] satisfies RouteRecordRaw[]
