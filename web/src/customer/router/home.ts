import type { RouteRecordRaw } from 'vue-router'
import Home from '../pages/Home.vue' // in the entry chunk: the first screen paints without another round trip

export default [
  { path: '/', name: 'home', component: Home, meta: { tabbar: true } },
  { path: '/city', name: 'city', component: () => import('../pages/CityPicker.vue') },
] satisfies RouteRecordRaw[]
