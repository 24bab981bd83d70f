// Merchant back office pages (merchant owners and dispatchers; a city-bound
// role). Shop, services, staff, dispatch, orders, reviews and marketing
// pages slot in here, each with the `op` it reads and a menu entry in the
// "merchant" group; they appear for a role as soon as the API serves them.
import type { RouteRecordRaw } from 'vue-router'

export default [] satisfies RouteRecordRaw[]
