// Back office routes (served under /admin/): sign-in, role picking, and the
// console layout whose children come from one module per area.
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import type { Component } from 'vue'
import { useSession } from '@/shared/session'
import { loadFeatures } from '@/shared/features'
import { useConsole } from '../console'
import AdminLayout from '../layout/AdminLayout.vue'
import hq from './hq'
import city from './city'
import merchant from './merchant'

export type MenuGroup = 'hq' | 'city' | 'merchant'

declare module 'vue-router' {
  interface RouteMeta {
    /** Reachable without signing in. */
    public?: boolean
    /** Needs a session but no back-office role (role picking). */
    signedIn?: boolean
    /** The API operation the page stands on: "GET /v1/hq/cities". */
    op?: string
    /** Menu entry. */
    menu?: { group: MenuGroup; title: string; icon: Component; order: number }
    /** Menu entry to highlight for a page without its own. */
    parent?: string
  }
}

export const consoleRoutes: RouteRecordRaw[] = [...hq, ...city, ...merchant]

const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: () => import('../pages/Login.vue'), meta: { public: true } },
  { path: '/role', name: 'role', component: () => import('../pages/RolePick.vue'), meta: { signedIn: true } },
  // Apply to open a shop (入驻申请): for a signed-in person, with or without a back-office role.
  { path: '/apply', name: 'apply', component: () => import('../merchant/Application.vue'), meta: { signedIn: true } },
  {
    path: '/',
    component: AdminLayout,
    children: [{ path: '', name: 'home', component: () => import('../pages/Home.vue') }, ...consoleRoutes],
  },
  { path: '/:rest(.*)*', redirect: '/' },
]

export const router = createRouter({ history: createWebHistory('/admin/'), routes })

router.beforeEach(async (to) => {
  if (to.meta.public) return
  const s = useSession()
  if (!s.signedIn) return { name: 'login', query: to.fullPath !== '/' ? { redirect: to.fullPath } : {} }
  if (to.meta.signedIn) return
  const c = useConsole()
  if (!c.isBackOffice) return { name: 'role', query: to.fullPath !== '/' ? { redirect: to.fullPath } : {} }
  await loadFeatures()
  if (to.meta.op && !c.can(to.meta.op)) return { name: 'home', query: { denied: to.path } }
  if (to.meta.menu && !c.inArea(to.meta.menu.group)) return { name: 'home', query: { denied: to.path } }
})
