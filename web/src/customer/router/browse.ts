// Browse: services by category and keyword. Service detail, booking, pay
// and orders come next as their own modules.
import type { RouteRecordRaw } from 'vue-router'

export default [{ path: '/services', name: 'services', component: () => import('../pages/Services.vue') }] satisfies RouteRecordRaw[]
