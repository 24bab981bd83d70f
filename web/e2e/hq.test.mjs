// (1) The HQ admin signs in with an SMS code read through the sandbox,
// switches to hq_admin, onboards a city through the form, sees it in the
// list, suspends and resumes it; then grants and revokes a role and finds
// the onboarding in the audit log.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { BASE, DESKTOP, launch, open, shots, adminSmsSignIn, stored, confirmBox, api } from './lib.mjs'

let browser
let page
before(async () => {
  browser = await launch()
  page = await open(browser, DESKTOP)
})
after(async () => {
  await browser?.close()
})

const code = `e2e${Date.now().toString(36).slice(-5)}`.replace(/[^a-z0-9]/g, '').slice(0, 12)

test('HQ admin signs in by SMS code and acts as hq_admin', async () => {
  await page.goto(`${BASE}/admin/login`)
  await shots(page, 'admin-login', () => page.waitForSelector('[data-test=phone]'))
  await adminSmsSignIn(page, '13800000001')
  // The account holds one back-office grant: the console switches to it.
  await page.waitForURL(/\/admin\/hq\//)
  const s = await stored(page)
  assert.equal(s.role, 'hq_admin')
  assert.equal(s.scope, 'hq')
  await page.waitForSelector('[data-test=acting-role]:has-text("总部管理员")')
  // HQ menus, no city menus until a city is entered.
  await page.waitForSelector('[data-test="menu-/hq/cities"]')
  assert.equal(await page.locator('[data-test="menu-/city/operators"]').count(), 0)
})

test('HQ admin onboards a city through the form and sees it in the list', async () => {
  await page.click('[data-test="menu-/hq/cities"]')
  await page.waitForSelector('[data-test=cities-table] [data-test=city-row-sz]')
  await shots(page, 'hq-cities', () => page.waitForSelector('[data-test=city-row-sz]'))
  await page.click('[data-test=onboard-city]')
  await page.waitForURL(/\/admin\/hq\/cities\/new$/)
  await shots(page, 'hq-city-new', () => page.waitForSelector('[data-test=city-form]'))
  await page.fill('input[data-test=f-code]', code)
  await page.fill('input[data-test=f-name]', '杭州测试')
  await page.fill('input[data-test=f-name-en]', 'Hangzhou Test')
  await page.fill('input[data-test=f-admin-phone]', '13800000099')
  await page.fill('input[data-test=f-admin-name]', '测试管理员')
  await page.click('[data-test=f-submit]')
  await page.waitForURL(new RegExp(`/admin/hq/cities\\?highlight=${code}`), { timeout: 60000 })
  await page.waitForSelector(`[data-test=city-row-${code}]`)
  await page.waitForSelector(`[data-test=city-status-${code}]:has-text("运营中")`)
  const pub = await api('GET', '/v1/cities')
  const c = pub.body.find((x) => x.code === code)
  assert.ok(c, 'the new city is public')
  assert.equal(c.open, true)
  assert.equal(c.zone, 'Asia/Shanghai')
})

test('HQ admin suspends and resumes the city', async () => {
  await page.click(`[data-test=suspend-${code}]`)
  await confirmBox(page)
  await page.waitForSelector(`[data-test=city-status-${code}]:has-text("已暂停")`)
  assert.equal((await api('GET', '/v1/cities')).body.find((x) => x.code === code).open, false)
  await page.click(`[data-test=resume-${code}]`)
  await confirmBox(page)
  await page.waitForSelector(`[data-test=city-status-${code}]:has-text("运营中")`)
  assert.equal((await api('GET', '/v1/cities')).body.find((x) => x.code === code).open, true)
})

test('HQ admin grants a role by phone, sees it, and revokes it', async () => {
  await page.click('[data-test="menu-/hq/roles"]')
  await page.waitForSelector('[data-test=grant-form]')
  await page.fill('input[data-test=grant-phone]', '13800000077')
  // domain: the new city; role: city operator
  await page.click('[data-test=grant-domain]')
  await page.click(`.el-select-dropdown__item:has-text("(${code})") >> visible=true`)
  await page.click('[data-test=grant-role]')
  await page.click('.el-select-dropdown__item:has-text("城市运营") >> visible=true')
  await page.click('[data-test=grant-go]')
  const row = page.locator('[data-test=grants-table] .el-table__row', { hasText: '城市运营' })
  await row.first().waitFor()
  await shots(page, 'hq-roles', () => page.waitForSelector('[data-test=grant-form]'))
  // shots() reloads the page: look the account up again, then revoke.
  const s = await stored(page)
  const grants = await api('GET', `/v1/hq/grants?domain=city:${code}&role=city_operator`, { token: s.access_token })
  assert.equal(grants.status, 200)
  assert.equal(grants.body.length, 1)
  const accountId = grants.body[0].account_id
  await page.fill('input[data-test=lookup-account]', String(accountId))
  await page.click('[data-test=lookup-go]')
  await page.click(`[data-test=revoke-${grants.body[0].id}]`)
  await confirmBox(page)
  await page.waitForSelector(`[data-test=revoke-${grants.body[0].id}]`, { state: 'detached' })
  const after = await api('GET', `/v1/hq/grants?domain=city:${code}&role=city_operator`, { token: (await stored(page)).access_token })
  assert.equal(after.body.length, 0)
})

test('HQ audit log lists the onboarding, filtered by action', async () => {
  await page.click('[data-test="menu-/hq/audit"]')
  await page.waitForSelector('[data-test=audit-table] .el-table__row')
  await page.fill('input[data-test=audit-action]', 'city.create')
  await page.click('[data-test=audit-search]')
  await page.waitForSelector(`[data-test=audit-table] .el-table__row:has-text("city #${code}")`)
  await shots(page, 'hq-audit', () => page.waitForSelector('[data-test=audit-table] .el-table__row'))
})

test('every HQ page the role has renders without errors', async () => {
  const items = await page.$$eval('[data-test^="menu-/hq/"]', (els) => els.map((e) => e.getAttribute('data-test').slice(5)))
  for (const want of ['/hq/overview', '/hq/cities', '/hq/roles', '/hq/audit']) assert.ok(items.includes(want), want)
  for (const path of items.filter((p) => !['/hq/cities', '/hq/roles', '/hq/audit'].includes(p))) {
    await page.goto(`${BASE}/admin${path}`)
    await page.waitForSelector('.ph__title')
    await page.waitForLoadState('networkidle')
    await shots(page, `hq-${path.split('/').pop()}`, () => page.waitForSelector('.ph__title'))
  }
  assert.deepEqual(page.problems, [])
})

test('HQ overview and entering a city show its back office', async () => {
  await page.click('[data-test="menu-/hq/overview"]')
  await page.waitForSelector('canvas')
  await page.click('[data-test=enter-city]')
  await page.click('.el-select-dropdown__item:has-text("(sz)") >> visible=true')
  await page.waitForURL(/\/admin\/city\//)
  await page.waitForSelector('[data-test="menu-/city/operators"]')
  assert.deepEqual(page.problems, [])
})
