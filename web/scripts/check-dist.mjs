// After `vite build`: report what each page loads up front (entry script,
// module preloads and stylesheets, raw and gzip), and fail when the customer
// H5 would load back-office code (Element Plus, ECharts) or outgrow its budget.
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { join } from 'node:path'

const dist = new URL('../dist/', import.meta.url).pathname
const BUDGET_GZ = 150 * 1024 // customer H5 first-load JS + CSS, gzip

const kb = (n) => `${(n / 1024).toFixed(1)} KiB`
const file = (p) => readFileSync(join(dist, p))

function initial(html) {
  const refs = new Set()
  for (const m of html.matchAll(/<(?:script[^>]*src|link[^>]*href)="\/([^"]+)"/g)) {
    if (m[1].startsWith('assets/')) refs.add(m[1])
  }
  // Static imports of the entry chunks load too; follow them.
  const queue = [...refs].filter((r) => r.endsWith('.js'))
  while (queue.length) {
    const js = file(queue.shift()).toString()
    for (const m of js.matchAll(/(?:import|from)\s*["']\.\/([^"']+\.js)["']/g)) {
      const p = `assets/${m[1]}`
      if (!refs.has(p)) {
        refs.add(p)
        queue.push(p)
      }
    }
  }
  return [...refs].sort()
}

let failed = false
const report = {}
for (const page of ['index.html', 'staff.html', 'admin.html']) {
  const refs = initial(file(page).toString())
  let raw = 0
  let gz = 0
  const text = []
  for (const r of refs) {
    const b = file(r)
    raw += b.length
    gz += gzipSync(b, { level: 9 }).length
    if (r.endsWith('.js')) text.push(b.toString())
  }
  report[page] = { files: refs.length, raw, gz }
  console.log(`${page.padEnd(11)} first load: ${String(refs.length).padStart(2)} files, ${kb(raw).padStart(10)} raw, ${kb(gz).padStart(10)} gzip`)
  if (page !== 'admin.html') {
    const all = text.join('\n')
    for (const marker of ['ElMessageBox', 'el-table', 'echarts']) {
      if (all.includes(marker)) {
        console.error(`  ✗ ${page} first load contains back-office code (${marker})`)
        failed = true
      }
    }
  }
}
if (report['index.html'].gz > BUDGET_GZ) {
  console.error(`  ✗ customer H5 first load ${kb(report['index.html'].gz)} gzip exceeds the ${kb(BUDGET_GZ)} budget`)
  failed = true
}
let total = 0
for (const f of readdirSync(join(dist, 'assets'))) total += statSync(join(dist, 'assets', f)).size
console.log(`dist/assets: ${readdirSync(join(dist, 'assets')).length} files, ${kb(total)}`)
process.exit(failed ? 1 : 0)
