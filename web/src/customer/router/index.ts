// Customer H5 routes, one module per area: home, browse, booking (orders,
// pay, reviews, after-sales) and account (sign-in, "my", addresses,
// coupons, messages).
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { useSession } from '@/shared/session'
import { useCity } from '@/shared/city'
import home from './home'
import account from './account'
import browse from './browse'
import booking from './booking'

declare module 'vue-router' {
  interface RouteMeta {
    /** Show the bottom tab bar. */
    tabbar?: boolean
    /** Needs a signed-in customer. */
    auth?: boolean
    /** Needs a chosen city. */
    city?: boolean
  }
}

const routes: RouteRecordRaw[] = [...home, ...browse, ...booking, ...account, { path: '/:rest(.*)*', redirect: '/' }]

export const router = createRouter({
  history: createWebHistory('/'),
  routes,
  scrollBehavior: (_to, _from, saved) => saved || { top: 0 },
})

router.beforeEach((to) => {
  if (to.meta.auth && !useSession().signedIn) return { name: 'login', query: { redirect: to.fullPath } }
  if (to.meta.city && !useCity().code) return { name: 'city', query: { redirect: to.fullPath } }
})
