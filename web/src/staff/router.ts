// Staff app routes (served under /staff/). Job detail, duty and earnings
// pages slot in here as the staff API lands.
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { useSession } from '@/shared/session'

declare module 'vue-router' {
  interface RouteMeta {
    tabbar?: boolean
    /** Needs a session acting as staff. */
    staff?: boolean
  }
}

const routes: RouteRecordRaw[] = [
  { path: '/', name: 'jobs', component: () => import('./pages/Jobs.vue'), meta: { tabbar: true, staff: true } },
  { path: '/my', name: 'my', component: () => import('./pages/My.vue'), meta: { tabbar: true, staff: true } },
  { path: '/login', name: 'login', component: () => import('./pages/Login.vue') },
  { path: '/:rest(.*)*', redirect: '/' },
]

export const router = createRouter({ history: createWebHistory('/staff/'), routes })

router.beforeEach((to) => {
  const s = useSession()
  if (to.meta.staff && (!s.signedIn || s.role !== 'staff')) return { name: 'login', query: { redirect: to.fullPath } }
})
