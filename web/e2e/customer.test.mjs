// (3) The customer H5: the home page is interactive in under a second
// (navigation start to the city button visible, cold cache), the city
// picker, sign-in by SMS code, the "my" page and the language switch; the
// staff app's sign-in screen.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { ARTIFACTS, BASE, PHONE, api, launch, open, shots, stored } from './lib.mjs'

let browser
before(async () => {
  browser = await launch()
})
after(async () => {
  await browser?.close()
})

// The first interactive element is the city button. It is interactive once
// Vue has mounted the home page (its handlers are attached: the
// 'ds-interactive' mark) and visible once its text is painted (Element
// Timing renderTime). Both from navigation start; the later one counts.
const watchPaint = () => {
  window.__paint = null
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (e.identifier === 'city-button' && !window.__paint) window.__paint = e.renderTime || e.loadTime
  }).observe({ type: 'element', buffered: true })
}

test('customer home is interactive in under 1000 ms', async () => {
  // One unmeasured load so the server has compressed its files once (a
  // one-time cost per process); every measured load is a fresh browser
  // context with an empty cache.
  const warm = await open(browser, PHONE)
  await warm.goto(`${BASE}/`)
  await warm.waitForSelector('[data-test=city-button]')
  await warm.context().close()

  const runs = []
  for (let i = 0; i < 5; i++) {
    const page = await open(browser, PHONE)
    await page.addInitScript(watchPaint)
    await page.goto(`${BASE}/`)
    await page.waitForSelector('[data-test=city-button]', { state: 'visible' })
    await page.waitForFunction(() => window.__paint && performance.getEntriesByName('ds-interactive').length)
    const m = await page.evaluate(() => {
      const mounted = performance.getEntriesByName('ds-interactive')[0].startTime
      return {
        tti: Math.max(window.__paint, mounted),
        painted: window.__paint,
        mounted,
        fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null,
        dcl: performance.getEntriesByType('navigation')[0]?.domContentLoadedEventEnd ?? null,
      }
    })
    // It responds: the button opens the city picker.
    await page.click('[data-test=city-button]')
    await page.waitForURL(/\/city$/)
    runs.push(m)
    await page.context().close()
  }
  const tti = runs.map((r) => Math.round(r.tti))
  const sorted = tti.slice().sort((a, b) => a - b)
  const report = { cold_cache_runs_ms: tti, median_ms: sorted[2], max_ms: sorted[4], runs }
  writeFileSync(`${ARTIFACTS}tti.json`, JSON.stringify(report, null, 2))
  console.log(`customer home time to interactive (ms, cold cache, 5 loads): ${tti.join(', ')}; median ${report.median_ms}, max ${report.max_ms}`)
  // The median of five loads: one load slowed by another process on a
  // shared machine does not decide it.
  assert.ok(report.median_ms < 1000, `time to interactive ${report.median_ms} ms (median) >= 1000 ms`)
})

test('customer picks a city, signs in by SMS code, sees the profile, switches language', async () => {
  const page = await open(browser, PHONE)
  await page.goto(`${BASE}/`)
  await shots(page, 'customer-home', () => page.waitForSelector('[data-test=city-button]'))
  await page.click('[data-test=city-button]')
  await page.click('[data-test=city-sz]')
  await page.waitForURL(`${BASE}/`)
  await page.waitForSelector('[data-test=city-button]:has-text("深圳")')
  await page.goto(`${BASE}/city`)
  await shots(page, 'customer-city', () => page.waitForSelector('[data-test=city-sz]'))

  // With the catalogue API online, the home page offers its categories and
  // a category opens the service list (items or an empty state).
  const cats = await api('GET', '/v1/categories')
  if (cats.status === 200 && cats.body.length) {
    await page.goto(`${BASE}/`)
    await page.click(`[data-test=cat-${cats.body[0].code}]`)
    await page.waitForURL(/\/services\?category=/)
    await page.waitForSelector('[data-test^=service-], .ds-empty')
    await shots(page, 'customer-services', () => page.waitForSelector('[data-test^=service-], .ds-empty'))
  }

  await page.goto(`${BASE}/my`)
  await page.click('[data-test=go-sign-in]')
  await page.waitForURL(/\/login/)
  await shots(page, 'customer-login', () => page.waitForSelector('[data-test=send-code]'))
  await page.fill('input[name=phone]', '13900000001')
  await page.click('[data-test=send-code]')
  await page.waitForSelector('[data-test=send-code]:has-text("秒后重发")')
  await page.click('[data-test=demo-code]')
  await page.waitForFunction(() => /^\d{6}$/.test(document.querySelector('input[name=code]')?.value || ''))
  await page.click('[data-test=sign-in]')
  await page.waitForURL(/\/my$/)
  await page.waitForSelector('[data-test=profile-name]:has-text("小王")')
  assert.equal((await stored(page, 'customer')).role, 'customer')
  await shots(page, 'customer-my', () => page.waitForSelector('[data-test=profile-name]'))

  await page.click('[data-test=lang-en]')
  await page.waitForSelector('.m-tabbar:has-text("Me")')
  await page.click('[data-test=tab-home]')
  await page.waitForSelector('[data-test=city-button]:has-text("Shenzhen")')
  assert.deepEqual(page.problems, [])
})

test('staff app: a customer without a staff role is told so', async () => {
  const page = await open(browser, PHONE)
  await page.goto(`${BASE}/staff/`)
  await page.waitForURL(/\/staff\/login/)
  await shots(page, 'staff-login', () => page.waitForSelector('[data-test=send-code]'))
  await page.click('.van-tab:nth-child(2)')
  await page.fill('input[name=login]', '13900000001')
  await page.fill('input[name=password]', 'Demo1234')
  await page.click('[data-test=sign-in-password]')
  await page.waitForSelector('text=该账号还不是服务人员')
  assert.deepEqual(page.problems, [])
})
