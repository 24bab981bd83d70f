// HQ back office pages. A page shows in the menu when its `op` exists in the
// running API and the acting role may call it (see console.ts).
//
// Planned HQ entries, added here as their APIs land: cross-city merchant,
// customer and order lists; platform policies (platform_policy:read/write).
import type { RouteRecordRaw } from 'vue-router'
import { DataAnalysis, OfficeBuilding, Key, Document, Files, TrendCharts, Connection, Setting, Lock } from '@element-plus/icons-vue'

export default [
  {
    path: '/hq/overview',
    component: () => import('../hq/Dashboard.vue'),
    meta: { op: 'GET /v1/hq/cities', menu: { group: 'hq', title: 'admin.menu.dashboard', icon: DataAnalysis, order: 10 } },
  },
  {
    path: '/hq/figures',
    component: () => import('../hq/Figures.vue'),
    meta: { op: 'GET /v1/hq/figures', menu: { group: 'hq', title: 'admin.menu.figures', icon: TrendCharts, order: 15 } },
  },
  {
    path: '/hq/cities',
    component: () => import('../hq/Cities.vue'),
    meta: { op: 'GET /v1/hq/cities', menu: { group: 'hq', title: 'admin.menu.cities', icon: OfficeBuilding, order: 20 } },
  },
  {
    path: '/hq/cities/new',
    component: () => import('../hq/CityNew.vue'),
    meta: { op: 'POST /v1/hq/cities', parent: '/hq/cities' },
  },
  {
    path: '/hq/categories',
    component: () => import('../hq/Categories.vue'),
    meta: { op: 'GET /v1/hq/categories', menu: { group: 'hq', title: 'admin.menu.categories', icon: Files, order: 30 } },
  },
  {
    path: '/hq/roles',
    component: () => import('../hq/Roles.vue'),
    meta: { op: 'GET /v1/hq/grants', menu: { group: 'hq', title: 'admin.menu.roles', icon: Key, order: 40 } },
  },
  {
    path: '/hq/cross-city',
    component: () => import('../hq/CrossCity.vue'),
    meta: { op: 'GET /v1/hq/orders', menu: { group: 'hq', title: 'admin.ops.menu.cross', icon: Connection, order: 25 } },
  },
  {
    path: '/hq/policies',
    component: () => import('../hq/Policies.vue'),
    meta: { op: 'GET /v1/hq/policies', menu: { group: 'hq', title: 'admin.ops.menu.platformPolicies', icon: Setting, order: 35 } },
  },
  {
    path: '/hq/privacy',
    component: () => import('../hq/Privacy.vue'),
    meta: { op: 'GET /v1/hq/privacy/reseal', menu: { group: 'hq', title: 'admin.ops.menu.privacy', icon: Lock, order: 45 } },
  },
  {
    path: '/hq/audit',
    component: () => import('../hq/Audit.vue'),
    meta: { op: 'GET /v1/hq/audit', menu: { group: 'hq', title: 'admin.menu.audit', icon: Document, order: 90 } },
  },
] satisfies RouteRecordRaw[]
