// Customer H5 routes, one module per area. The customer journey (browse,
// service detail, booking, pay, orders) slots in as more modules here.
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { useSession } from '@/shared/session'
import home from './home'
import account from './account'
import browse from './browse'

declare module 'vue-router' {
  interface RouteMeta {
    /** Show the bottom tab bar. */
    tabbar?: boolean
    /** Needs a signed-in customer. */
    auth?: boolean
  }
}

const routes: RouteRecordRaw[] = [...home, ...browse, ...account, { path: '/:rest(.*)*', redirect: '/' }]

export const router = createRouter({
  history: createWebHistory('/'),
  routes,
  scrollBehavior: (_to, _from, saved) => saved || { top: 0 },
})

router.beforeEach((to) => {
  if (to.meta.auth && !useSession().signedIn) return { name: 'login', query: { redirect: to.fullPath } }
})
