// Shared helpers of the browser tests: the browser, pages at phone and
// desktop sizes, sign-in through the UI (the SMS code read through the
// demo's sandbox helper), screenshots, and small API calls.
import { chromium } from 'playwright-core'
import { mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export const BASE = process.env.E2E_BASE_URL || 'http://127.0.0.1:18080'
export const ARTIFACTS = fileURLToPath(new URL('./artifacts/', import.meta.url))
mkdirSync(ARTIFACTS, { recursive: true })

export const PHONE = { width: 390, height: 844 }
export const DESKTOP = { width: 1440, height: 900 }

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
}

/** A page in a fresh context; collects console errors and failed API calls. */
export async function open(browser, viewport = DESKTOP, opts = {}) {
  const ctx = await browser.newContext({ viewport, deviceScaleFactor: 1, locale: 'zh-CN', timezoneId: 'UTC', ...opts })
  const page = await ctx.newPage()
  page.problems = []
  page.on('pageerror', (e) => page.problems.push(`pageerror: ${e.message}`))
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) page.problems.push(`console: ${m.text()}`)
  })
  page.setDefaultTimeout(15000)
  return page
}

export async function shot(page, name) {
  await page.waitForTimeout(250) // let transitions settle
  await page.screenshot({ path: `${ARTIFACTS}${name}.png`, fullPage: false })
}

/** Screenshots of the current URL at phone and desktop widths. */
export async function shots(page, name, ready) {
  const was = page.viewportSize()
  for (const [label, vp] of [['phone', PHONE], ['desktop', DESKTOP]]) {
    await page.setViewportSize(vp)
    await page.reload()
    if (ready) await ready()
    await shot(page, `${label}-${name}`)
  }
  await page.setViewportSize(was)
}

export async function api(method, path, { body, token, city } = {}) {
  const headers = { 'Content-Type': 'application/json' }
  if (token) headers.Authorization = `Bearer ${token}`
  if (city) headers['X-City'] = city
  const r = await fetch(BASE + path, { method, headers, body: body ? JSON.stringify(body) : undefined })
  const text = await r.text()
  return { status: r.status, body: text ? JSON.parse(text) : null }
}

/** Sign in on the back office with an SMS code read through the sandbox helper link. */
export async function adminSmsSignIn(page, phone) {
  await page.goto(`${BASE}/admin/login`)
  await page.fill('input[data-test=phone]', phone)
  await page.click('[data-test=send-code]')
  await page.waitForSelector('[data-test=send-code]:disabled') // the 60 s countdown runs
  await page.click('[data-test=demo-code]')
  await page.waitForFunction(() => /^\d{6}$/.test(document.querySelector('input[data-test=code]')?.value || ''))
  await page.click('[data-test=sign-in]')
}

export async function adminPasswordSignIn(page, login, password = 'Demo1234') {
  await page.goto(`${BASE}/admin/login`)
  await page.click('#tab-password')
  await page.fill('input[data-test=login-id]', login)
  await page.fill('input[data-test=password]', password)
  await page.click('[data-test=sign-in-password]')
}

export function stored(page, app = 'admin') {
  return page.evaluate((k) => JSON.parse(localStorage.getItem(k) || 'null'), `doorstep.${app}.session`)
}

/** Confirm the open Element Plus message box. */
export async function confirmBox(page) {
  const btn = page.locator('.el-message-box__btns .el-button--primary')
  await btn.waitFor({ state: 'visible' })
  await btn.click()
  await page.locator('.el-message-box').waitFor({ state: 'hidden' })
}

/** A customer session through the API: SMS code read from the sandbox. */
export async function customerSession(phone) {
  // Another test may have asked for this phone's code less than a minute ago
  // (code_cooldown): wait for the cooldown rather than fail.
  let sent = await api('POST', '/v1/auth/sms-code', { body: { phone } })
  for (let i = 0; i < 14 && sent.status === 429 && sent.body?.error?.code === 'code_cooldown'; i++) {
    await new Promise((r) => setTimeout(r, 5000))
    sent = await api('POST', '/v1/auth/sms-code', { body: { phone } })
  }
  if (sent.status !== 200) throw new Error(`sms-code ${phone}: ${sent.status} ${JSON.stringify(sent.body)}`)
  for (let i = 0; i < 40; i++) {
    const msgs = (await api('GET', `/v1/sandbox/sms?phone=${phone}`)).body || []
    const code = msgs.map((m) => m.body.match(/\d{6}/)?.[0]).find(Boolean)
    if (code) {
      const r = await api('POST', '/v1/auth/login/sms', { body: { phone, code } })
      if (r.status === 200) return r.body
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  throw new Error(`no sign-in code for ${phone}`)
}
