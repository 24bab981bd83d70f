// Vite build of the three pages: the customer H5 (index.html, served at /),
// the staff app (staff.html, /staff/) and the back offices (admin.html,
// /admin/). The Go binary embeds dist/ (web/embed.go) and serves it.
//
// `npm run dev` proxies the API to a running Go server (DOORSTEP_API,
// default http://127.0.0.1:8080; start one with `go run . demo`).
import { defineConfig, type Plugin } from 'vite'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { VantResolver, ElementPlusResolver } from 'unplugin-vue-components/resolvers'
import { fileURLToPath } from 'node:url'

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url))
const api = process.env.DOORSTEP_API || 'http://127.0.0.1:8080'

// In dev, /staff/* and /admin/* are single-page apps of their own html.
function pageFallback(): Plugin {
  return {
    name: 'doorstep-page-fallback',
    configureServer(server) {
      server.middlewares.use((req, _res, next) => {
        const path = (req.url || '/').split('?')[0]
        const last = path.slice(path.lastIndexOf('/') + 1)
        if (!last.includes('.')) {
          if (/^\/staff(\/|$)/.test(path)) req.url = '/staff.html'
          else if (/^\/admin(\/|$)/.test(path)) req.url = '/admin.html'
        }
        next()
      })
    },
  }
}

// Vant's icon font is inlined as woff2 with a CDN woff fallback; drop the
// fallback so the pages load nothing from other origins (and the CSP holds).
function vantIconsLocal(): Plugin {
  return {
    name: 'doorstep-vant-icons-local',
    enforce: 'pre',
    transform(code, id) {
      if (!/[\\/]vant[\\/].*icon[\\/]index\.css/.test(id) || !code.includes('alicdn')) return null
      return { code: code.replace(/,\s*url\((["']?)\/\/at\.alicdn\.com[^)]*\)\s*format\((["'])woff\2\)/g, ''), map: null }
    },
  }
}

const proxied = ['/v1', '/sandbox', '/openapi.json', '/docs', '/readyz', '/healthz']

export default defineConfig({
  base: '/',
  resolve: { alias: { '@': here('./src') } },
  plugins: [
    vue(),
    Components({ dts: false, dirs: [], resolvers: [VantResolver(), ElementPlusResolver()] }),
    pageFallback(),
    vantIconsLocal(),
  ],
  define: {
    __VUE_PROD_DEVTOOLS__: false,
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: false,
    __VUE_I18N_FULL_INSTALL__: false,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    // the back office reads the permission matrix from ../rbac/matrix.csv
    fs: { allow: [here('.'), here('../rbac')] },
    proxy: Object.fromEntries(proxied.map((p) => [p, { target: api, changeOrigin: false }])),
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2020',
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 1200,
    rolldownOptions: {
      input: {
        index: here('./index.html'),
        staff: here('./staff.html'),
        admin: here('./admin.html'),
      },
      output: {
        // Vue core is one named chunk shared by every page (long-cached);
        // ECharts one chunk for the back-office pages with charts. Vant and
        // Element Plus are split automatically per page, so each screen
        // loads only the components it uses.
        codeSplitting: {
          groups: [
            { name: 'vue', test: /[\\/]node_modules[\\/](@vue|vue|vue-router|pinia|vue-i18n|@intlify)[\\/]/, priority: 30 },
            { name: 'echarts', test: /[\\/]node_modules[\\/](echarts|zrender|tslib)[\\/]/, priority: 20 },
          ],
        },
      },
    },
  },
})
