// Staff app routes (served under /staff/): jobs (with duty and offers), a
// job, earnings, certifications, messages, "my".
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
  { path: '/jobs/:id(\\d+)', name: 'job', component: () => import('./pages/JobDetail.vue'), meta: { staff: true } },
  { path: '/earnings', name: 'earnings', component: () => import('./pages/Earnings.vue'), meta: { tabbar: true, staff: true } },
  { path: '/certs', name: 'certs', component: () => import('./pages/Certs.vue'), meta: { staff: true } },
  { path: '/inbox', name: 'inbox', component: () => import('./pages/Inbox.vue'), meta: { tabbar: true, staff: true } },
  { path: '/my', name: 'my', component: () => import('./pages/My.vue'), meta: { tabbar: true, staff: true } },
  { path: '/login', name: 'login', component: () => import('./pages/Login.vue') },
  { path: '/:rest(.*)*', redirect: '/' },
]

export const router = createRouter({ history: createWebHistory('/staff/'), routes, scrollBehavior: (_t, _f, saved) => saved || { top: 0 } })

router.beforeEach((to) => {
  const s = useSession()
  if (to.meta.staff && (!s.signedIn || s.role !== 'staff')) return { name: 'login', query: { redirect: to.fullPath } }
})
