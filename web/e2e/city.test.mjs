// (2) A city admin signs in, acts as city_admin of sz, and sees the
// city's operators; the HQ pages are not offered.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { BASE, DESKTOP, launch, open, shots, adminSmsSignIn, stored, confirmBox, api, customerSession } from './lib.mjs'

let browser
let page
before(async () => {
  browser = await launch()
  page = await open(browser, DESKTOP)
})
after(async () => {
  await browser?.close()
})

test('city admin signs in and sees the operators of the city', async () => {
  await adminSmsSignIn(page, '13800000002')
  await page.waitForURL(/\/admin\/city\//)
  const s = await stored(page)
  assert.equal(s.role, 'city_admin')
  assert.equal(s.scope, 'city:sz')
  await page.click('[data-test="menu-/city/operators"]')
  await page.waitForSelector(`[data-test=operator-role-${s.account_id}]:has-text("城市管理员")`)
  assert.equal(await page.locator('[data-test="menu-/hq/cities"]').count(), 0, 'no HQ menu for a city admin')
  await shots(page, 'city-operators', () => page.waitForSelector(`[data-test=operator-role-${s.account_id}]`))
})

test('city admin adds an operator by phone and removes them', async () => {
  await page.click('[data-test=add-operator]')
  await page.fill('input[data-test=op-phone]', '13800000088')
  await page.click('[data-test=op-save]')
  const row = page.locator('[data-test=operators-table] .el-table__row', { hasText: '城市运营' })
  await row.waitFor()
  await row.locator('button:has-text("移除")').click()
  await confirmBox(page)
  await row.waitFor({ state: 'detached' })
})

test('city admin approves a merchant application from the review queue', async (t) => {
  const s = await stored(page)
  const ops = await api('GET', '/openapi.json')
  if (!ops.body.paths['/v1/admin/merchant-applications']) {
    t.skip('the merchant application API is not served')
    return
  }
  // A customer applies to open a shop in sz.
  const applicant = await customerSession(`139${String(Date.now()).slice(-8)}`)
  const stamp = Date.now().toString(36).toUpperCase()
  const made = await api('POST', '/v1/merchant-applications', {
    token: applicant.access_token,
    city: 'sz',
    body: {
      name: `测试保洁 ${stamp}`,
      licence_no: `91440300${stamp}`.slice(0, 18).padEnd(18, '0'),
      licence_url: 'https://example.com/licence.jpg',
      contact_name: '张三',
      contact_phone: '13700000001',
      categories: ['daily_cleaning'],
      area: { center: { lat: 22.54, lng: 114.06 }, radius_m: 5000 },
      intro: '日常保洁，深圳全市上门',
    },
  })
  assert.equal(made.status, 201, JSON.stringify(made.body))
  const id = made.body.id

  await page.click('[data-test="menu-/city/applications"]')
  await page.click(`[data-test=app-open-${id}]`)
  await page.waitForSelector('.el-drawer.rtl:has-text("日常保洁")')
  await shots(page, 'city-applications', () => page.waitForSelector(`[data-test=app-${id}]`))
  await page.click(`[data-test=app-open-${id}]`)
  await page.click('[data-test=app-approve]')
  await page.waitForSelector('.el-message--success')
  const after = await api('GET', `/v1/admin/merchant-applications/${id}`, { token: s.access_token, city: 'sz' })
  assert.equal(after.body.status, 'approved')
  assert.ok(after.body.merchant_id > 0)
  await page.waitForSelector('.el-drawer.rtl .ds-tag:has-text("已通过")')
  await page.keyboard.press('Escape')
  await page.locator('.el-drawer.rtl').waitFor({ state: 'hidden' })
  // The new shop is in the city's merchant list.
  if (ops.body.paths['/v1/admin/merchants']) {
    await page.click('[data-test="menu-/city/merchants"]')
    await page.waitForSelector(`[data-test=merchants-table] .el-table__row:has-text("${made.body.name}")`)
  }
})

test('every city back-office page the role has renders without errors', async () => {
  const items = await page.$$eval('[data-test^="menu-/city/"]', (els) => els.map((e) => e.getAttribute('data-test').slice(5)))
  assert.ok(items.includes('/city/operators'))
  for (const path of items) {
    await page.goto(`${BASE}/admin${path}`)
    await page.waitForSelector('.ph__title')
    await page.waitForLoadState('networkidle')
    await shots(page, `city-${path.split('/').pop()}`, () => page.waitForSelector('.ph__title'))
  }
  assert.deepEqual(page.problems, [])
})

test('city admin reads the city audit log, an HQ page is refused', async () => {
  await page.click('[data-test="menu-/city/audit"]')
  await page.waitForSelector('[data-test=audit-table] .el-table__row:has-text("role.grant")')
  await shots(page, 'city-audit', () => page.waitForSelector('[data-test=audit-table] .el-table__row'))
  await page.goto(`${BASE}/admin/hq/cities`)
  await page.waitForSelector('.el-alert:has-text("无法访问")')
  assert.deepEqual(page.problems, [])
})
