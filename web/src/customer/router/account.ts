import type { RouteRecordRaw } from 'vue-router'

export default [
  { path: '/login', name: 'login', component: () => import('../pages/Login.vue') },
  { path: '/my', name: 'my', component: () => import('../pages/My.vue'), meta: { tabbar: true } },
] satisfies RouteRecordRaw[]
