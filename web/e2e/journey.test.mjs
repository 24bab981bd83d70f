// The whole journey through the browser, as people use it:
// (a) a new customer signs in by SMS code, browses (search in Chinese), opens
//     a service, picks a staff member and a time, adds an address (coordinates
//     from the browser's location), books, pays through the sandbox cashier
//     and watches the order turn 待服务 live;
// (b) that staff member signs in on the staff app, goes on duty, sees the job
//     (assigned through the merchant API when the booking did not assign it),
//     sets off, is refused check-in far from the address (the API's distance
//     shown), checks in near it, starts and finishes; the customer's open
//     order page turns 已完成 live and the customer reviews it.
// When the coupon and decorated-page APIs are served, the city first issues a
// coupon and publishes a home page: the customer claims the coupon on the
// service page and books with it, and the server's discount shows on the
// pay page.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { BASE, DESKTOP, PHONE, api, launch, open, shot, shots, stored } from './lib.mjs'

let browser
before(async () => {
  browser = await launch()
})
after(async () => {
  await browser?.close()
})

// Near the demo shop's centre in Futian, Shenzhen (inside every sz shop's area).
const HOME = { latitude: 22.5452, longitude: 114.0601 }
const FAR = { latitude: 22.6, longitude: 114.2 } // ~15 km away
const STAFF_PHONE = '13600000101' // 王阿姨, 洁净家政服务（深圳）
const OWNER_PHONE = '13700000101'

const state = { phone: '', orderId: 0, customer: null, couponTitle: '' }

async function passwordSession(login) {
  const r = await api('POST', '/v1/auth/login/password', { body: { login, password: 'Demo1234' } })
  assert.equal(r.status, 200, JSON.stringify(r.body))
  return r.body
}

async function act(session, pick) {
  const g = session.grants.find(pick)
  assert.ok(g, `no grant in ${JSON.stringify(session.grants)}`)
  const r = await api('POST', '/v1/auth/switch', { token: session.access_token, body: { grant_id: g.id } })
  assert.equal(r.status, 200, JSON.stringify(r.body))
  return r.body
}

async function served(...ops) {
  const paths = (await api('GET', '/openapi.json')).body.paths
  return ops.every((op) => {
    const [m, p] = op.split(' ')
    return !!paths[p]?.[m.toLowerCase()]
  })
}

/** Phone and desktop screenshots of the page as it is (no reload: forms keep their state). */
async function snap(page, name) {
  for (const [label, vp] of [['desktop', DESKTOP], ['phone', PHONE]]) {
    await page.setViewportSize(vp)
    await shot(page, `${label}-${name}`)
  }
}

/** Sign in on a phone app's sign-in form with an SMS code read through the sandbox helper. */
async function smsSignIn(page, phone) {
  await page.fill('input[name=phone]', phone)
  await page.click('[data-test=send-code]')
  await page.waitForSelector('[data-test=send-code]:disabled')
  await page.click('[data-test=demo-code]')
  await page.waitForFunction(() => /^\d{6}$/.test(document.querySelector('input[name=code]')?.value || ''))
  await page.click('[data-test=sign-in]')
}

test('(a) a customer signs in by SMS, browses, books a staff member and a time, adds an address, pays in the sandbox and sees 待服务 live', async () => {
  // The city's promotions, when served: a coupon to claim and a published home page.
  const cityAdmin = await act(await passwordSession('13800000002'), (g) => g.role === 'city_admin' && g.domain === 'city:sz')
  if (await served('POST /v1/admin/coupons', 'POST /v1/coupons/{id}/claim', 'GET /v1/coupons/mine')) {
    state.couponTitle = `立减券${String(Date.now()).slice(-4)}`
    const c = await api('POST', '/v1/admin/coupons', {
      token: cityAdmin.access_token,
      city: 'sz',
      body: { title: state.couponTitle, kind: 'amount', amount_fen: 1000, valid_to: new Date(Date.now() + 30 * 864e5).toISOString() },
    })
    assert.equal(c.status, 201, JSON.stringify(c.body))
  }
  if (await served('GET /v1/pages/home', 'GET /v1/admin/pages/{key}/draft', 'POST /v1/admin/pages/{key}/apply-template', 'POST /v1/admin/pages/{key}/publish')) {
    const d = await api('GET', '/v1/admin/pages/home/draft', { token: cityAdmin.access_token, city: 'sz' })
    const t = await api('POST', '/v1/admin/pages/home/apply-template', { token: cityAdmin.access_token, city: 'sz', body: { template: 'promo', draft_version: d.body?.draft_version ?? 0 } })
    assert.equal(t.status, 200, JSON.stringify(t.body))
    const p = await api('POST', '/v1/admin/pages/home/publish', { token: cityAdmin.access_token, city: 'sz', body: {} })
    assert.equal(p.status, 200, JSON.stringify(p.body))
  }

  const page = await open(browser, PHONE, { permissions: ['geolocation'], geolocation: HOME })
  state.customer = page
  state.phone = `1391${String(Date.now()).slice(-7)}`

  // City, then sign in by SMS code (a new number: the account is made on the spot).
  await page.goto(`${BASE}/`)
  await page.click('[data-test=city-button]')
  await page.click('[data-test=city-sz]')
  await page.waitForSelector('[data-test=city-button]:has-text("深圳")')
  await page.click('[data-test=tab-my]')
  await page.click('[data-test=go-sign-in]')
  await smsSignIn(page, state.phone)
  await page.waitForURL(/\/my$/)
  assert.equal((await stored(page, 'customer')).role, 'customer')

  // Home: the published page (or the best rated services), pictures never broken.
  await page.click('[data-test=tab-home]')
  await page.waitForSelector('[data-test=decorated-page], [data-test^=service-]')
  const broken = await page.evaluate(() => [...document.images].filter((i) => i.complete && i.naturalWidth === 0 && getComputedStyle(i).opacity !== '0').length)
  assert.equal(broken, 0, 'no broken image is visible')
  await shots(page, 'journey-home', () => page.waitForSelector('[data-test=decorated-page], [data-test^=service-]'))

  // Search in Chinese, open the service.
  await page.click('[data-test=home-search]')
  await page.waitForURL(/\/search/)
  await page.fill('[data-test=search-input] input', '日常保洁')
  await page.keyboard.press('Enter')
  await page.waitForURL(/\/services\?q=/)
  const card = page.locator('[data-test^=service-]', { hasText: '日常保洁 2小时' }).first()
  await card.waitFor()
  await shots(page, 'journey-search', () => page.waitForSelector('[data-test^=service-]'))
  await card.click()
  await page.waitForSelector('[data-test=service-title]:has-text("日常保洁")')
  await page.waitForSelector('[data-test^=pro-]:has-text("王阿姨")')
  assert.match(await page.locator('[data-test=price-model]').innerText(), /一口价/)

  if (state.couponTitle) {
    const ticket = page.locator('[data-test^=coupon-]', { hasText: state.couponTitle })
    await ticket.waitFor()
    await ticket.locator('[data-test^=claim-]').click()
    await page.waitForSelector('.van-toast:has-text("领取成功")')
  }
  await shots(page, 'journey-service', () => page.waitForSelector('[data-test^=pro-]:has-text("王阿姨")'))

  // Book 王阿姨.
  await page.locator('[data-test^=pro-]', { hasText: '王阿姨' }).locator('[data-test^=book-with-]').click()
  await page.waitForURL(/\/book\/\d+\?staff=\d+/)
  await page.waitForSelector('[data-test=chosen-staff]:has-text("王阿姨")')

  // The first day (from tomorrow) with a free time.
  const days = page.locator('[data-test^=day-]')
  let picked = ''
  for (let i = 1; i < (await days.count()) && !picked; i++) {
    await days.nth(i).click()
    await page.waitForFunction(() => !document.querySelector('[data-test=slot-grid]')?.classList.contains('is-loading'))
    await page.waitForTimeout(200)
    const times = page.locator('[data-test^=time-]')
    if (await times.count()) {
      await times.first().click()
      picked = await page.locator('[data-test=picked-slot]').innerText()
    }
  }
  assert.ok(picked, 'a free time in the next two weeks')

  // No address yet: the form opens; "use my location" fills the coordinates.
  await page.click('[data-test=pick-address]')
  await page.waitForSelector('.c-addr input[name=contact_name]')
  await page.fill('.c-addr input[name=contact_name]', '测试顾客')
  await page.fill('.c-addr input[name=phone]', state.phone)
  await page.fill('.c-addr input[name=district]', '福田区')
  await page.fill('.c-addr textarea[name=address]', '福华三路 88 号 2 栋 1201')
  await page.click('[data-test=use-location]')
  await page.waitForFunction(() => document.querySelector('.c-addr input[name=lat]')?.value === '22.5452')
  await snap(page, 'journey-address')
  await page.click('[data-test=save-address]')
  await page.waitForSelector('[data-test=chosen-address]:has-text("福田区")')
  await page.fill('[data-test=requirements] textarea', '家里有猫，请带鞋套')
  if (state.couponTitle) {
    await page.click('[data-test=pick-coupon]')
    await page.locator('[data-test^=use-coupon-]').first().click()
  }
  await snap(page, 'journey-book')
  await page.click('[data-test=submit-order]')
  await page.waitForURL(/\/orders\/\d+\/pay$/)
  state.orderId = Number(page.url().match(/orders\/(\d+)/)[1])
  await page.waitForSelector('[data-test=pay-amount]')
  // The server's figures: 120.00, less the coupon.
  assert.equal(await page.locator('[data-test=pay-amount]').innerText(), state.couponTitle ? '¥110.00' : '¥120.00')
  await snap(page, 'journey-pay')

  // Pay on the sandbox cashier in its own tab; this page hears of it over SSE.
  const [cashier] = await Promise.all([page.waitForEvent('popup'), page.click('[data-test=pay-open]')])
  await cashier.waitForURL(/\/sandbox\/pay\//)
  await cashier.waitForSelector('button[type=submit]')
  await cashier.click('button[type=submit]')
  await cashier.waitForLoadState()
  await cashier.close()
  await page.waitForSelector('[data-test=pay-success]:has-text("待服务")', { timeout: 20000 })
  await snap(page, 'journey-paid')

  await page.click('[data-test=to-order]')
  await page.waitForSelector('[data-test=order-status]:has-text("待服务")')
  await page.waitForSelector('[data-test=order-staff]:has-text("王阿姨")')
  await page.waitForSelector('[data-test=live-state]:has-text("实时更新")')
  await page.waitForSelector('[data-test=timeline]:has-text("支付成功")')
  await shots(page, 'journey-order', () => page.waitForSelector('[data-test=order-status]:has-text("待服务")'))
  await page.goto(`${BASE}/orders?tab=upcoming`)
  await page.waitForSelector(`[data-test=order-${state.orderId}]`)
  await shots(page, 'journey-orders', () => page.waitForSelector(`[data-test=order-${state.orderId}]`))

  // Stay on the order: the next test watches it turn 已完成.
  await page.goto(`${BASE}/orders/${state.orderId}`)
  await page.waitForSelector('[data-test=live-state]:has-text("实时更新")')
  assert.deepEqual(page.problems, [])
})

test('(b) the staff member goes on duty, works the job step by step; the customer sees 已完成 live and reviews', async (t) => {
  if (!state.orderId) return t.skip('no order from (a)')
  const staffApi = await act(await passwordSession(STAFF_PHONE), (g) => g.role === 'staff' && g.domain === 'city:sz')
  // Start off duty, so the app turns duty on.
  await api('POST', '/v1/staff/me/duty', { token: staffApi.access_token, city: 'sz', body: { on_duty: false } })
  // Assign through the merchant when the booking did not (no staff picked, or no dispatch UI yet).
  const o = await api('GET', `/v1/orders/${state.orderId}`, { token: (await stored(state.customer, 'customer')).access_token, city: 'sz' })
  if (o.body.status === 'dispatching') {
    const owner = await act(await passwordSession(OWNER_PHONE), (g) => g.role === 'merchant_owner')
    const a = await api('POST', `/v1/merchant/orders/${state.orderId}/assign`, { token: owner.access_token, city: 'sz', body: { staff_id: staffApi.staff_id } })
    assert.equal(a.status, 200, JSON.stringify(a.body))
  }

  const page = await open(browser, PHONE, { permissions: ['geolocation'], geolocation: FAR })
  await page.goto(`${BASE}/staff/`)
  await page.waitForURL(/\/staff\/login/)
  await smsSignIn(page, STAFF_PHONE)
  await page.waitForURL(`${BASE}/staff/`)
  assert.equal((await stored(page, 'staff')).role, 'staff')

  // Duty on: the location goes out.
  await page.waitForSelector('[data-test=duty-state]:has-text("已下岗")')
  await page.click('[data-test=duty-switch]')
  await page.waitForSelector('[data-test=duty-state]:has-text("上岗中")')
  await page.waitForSelector('[data-test=sharing-state]:has-text("位置共享中")')
  const me = await api('GET', '/v1/staff/me', { token: staffApi.access_token, city: 'sz' })
  assert.equal(me.body.on_duty, true)
  assert.ok(Math.abs(me.body.location.lat - FAR.latitude) < 1e-4, `location shared: ${JSON.stringify(me.body.location)}`)

  const job = page.locator(`[data-test=job-${state.orderId}]`)
  await job.waitFor()
  await shots(page, 'journey-staff-jobs', () => page.locator(`[data-test=job-${state.orderId}]`).waitFor())
  await job.click()
  await page.waitForSelector('[data-test=job-status]:has-text("已派单")')
  // From assignment the full address and phone are handed out.
  await page.waitForSelector('[data-test=job-address]:has-text("福华三路 88 号 2 栋 1201")')
  assert.equal(await page.locator('[data-test=job-phone]').innerText(), state.phone)
  await shots(page, 'journey-staff-job', () => page.waitForSelector('[data-test=job-status]'))

  await page.click('[data-test=job-depart]')
  await page.waitForSelector('[data-test=job-status]:has-text("师傅出发")')
  // Far away: the API refuses check-in and says how far.
  await page.click('[data-test=job-arrive]')
  const far = page.locator('.van-dialog:has-text("暂时无法签到")')
  await far.waitFor()
  assert.match(await far.innerText(), /你距离服务地址约 \d+ 米，需在 \d+ 米内才能签到/)
  await snap(page, 'journey-staff-far')
  await far.locator('.van-dialog__confirm').click()
  await far.waitFor({ state: 'hidden' })
  // Close by: checked in.
  await page.context().setGeolocation({ latitude: HOME.latitude + 0.0003, longitude: HOME.longitude + 0.0002 })
  await page.click('[data-test=job-arrive]')
  await page.waitForSelector('[data-test=job-status]:has-text("已到达")')
  await page.click('[data-test=job-start]')
  await page.waitForSelector('[data-test=job-status]:has-text("服务中")')
  await page.click('[data-test=job-finish]')
  await page.fill('[data-test=finish-note] textarea', '已完成全屋日常保洁，垃圾已带走')
  await page.fill('[data-test=finish-photos] textarea', 'https://img.doorstep.example/finish/1.jpg')
  await snap(page, 'journey-staff-finish')
  await page.click('.van-dialog__confirm')
  await page.waitForSelector('[data-test=job-status]:has-text("已完成")')
  await shots(page, 'journey-staff-done', () => page.waitForSelector('[data-test=job-status]:has-text("已完成")'))
  assert.deepEqual(page.problems, [])

  // The customer's page, open all along, turns 已完成 by itself.
  const c = state.customer
  await c.waitForSelector('[data-test=order-status]:has-text("已完成")', { timeout: 20000 })
  await c.waitForSelector('[data-test=timeline]:has-text("完成服务")')
  await shots(c, 'journey-order-done', () => c.waitForSelector('[data-test=order-status]:has-text("已完成")'))
  await c.click('[data-test=review-order]')
  await c.waitForURL(/\/review$/)
  await c.locator('[data-test=rate-punctuality] .van-rate__item').nth(3).click()
  await c.fill('[data-test=review-content] textarea', '王阿姨很细心，准时到达，打扫得很干净！')
  await c.click('[data-test=anonymous]')
  await snap(c, 'journey-review')
  await c.click('[data-test=submit-review]')
  await c.waitForURL(new RegExp(`/orders/${state.orderId}$`))
  await c.waitForSelector('[data-test=order-status]:has-text("已完成")')
  assert.equal(await c.locator('[data-test=review-order]').count(), 0, 'reviewed once')
  const o2 = await api('GET', `/v1/orders/${state.orderId}`, { token: (await stored(c, 'customer')).access_token, city: 'sz' })
  assert.equal(o2.body.reviewed, true)
  assert.deepEqual(c.problems, [])
})

test('(c) smart dispatch: an offered job counts down on the staff app; declined with a reason, then the next one accepted', async (t) => {
  if (!(await served('GET /v1/staff/offers', 'POST /v1/staff/offers/{id}/accept', 'POST /v1/staff/offers/{id}/decline'))) return t.skip('offers are not served yet')
  if (!state.customer) return t.skip('no customer from (a)')
  // Only 李阿姨 is on duty among the shop's cleaners, so the offers go to her.
  for (const phone of ['13600000101', '13600000103']) {
    const s = await act(await passwordSession(phone), (g) => g.role === 'staff' && g.domain === 'city:sz')
    await api('POST', '/v1/staff/me/duty', { token: s.access_token, city: 'sz', body: { on_duty: false } })
  }
  const page = await open(browser, PHONE, { permissions: ['geolocation'], geolocation: { latitude: HOME.latitude + 0.005, longitude: HOME.longitude + 0.004 } })
  await page.goto(`${BASE}/staff/login`)
  await smsSignIn(page, '13600000102')
  await page.waitForURL(`${BASE}/staff/`)
  await page.waitForSelector('[data-test=duty-state]')
  if ((await page.locator('[data-test=duty-state]').innerText()).includes('已下岗')) await page.click('[data-test=duty-switch]')
  await page.waitForSelector('[data-test=sharing-state]:has-text("位置共享中")')

  // The customer books the cleaning without choosing anyone, and pays.
  const token = (await stored(state.customer, 'customer')).access_token
  const addr = (await api('GET', '/v1/addresses', { token, city: 'sz' })).body[0]
  async function bookAndPay(daysAhead) {
    const day = new Date(Date.now() + daysAhead * 864e5 + 8 * 3600e3).toISOString().slice(0, 10)
    const o = await api('POST', '/v1/orders', { token, city: 'sz', body: { service_item_id: 1, address_id: addr.id, slot_start: `${day}T11:00` } })
    assert.equal(o.status, 201, JSON.stringify(o.body))
    const p = await api('POST', `/v1/orders/${o.body.id}/pay`, { token, city: 'sz', body: { method: 'sandbox' } })
    assert.equal(p.status, 201, JSON.stringify(p.body))
    const paid = await api('POST', `/v1/sandbox/pay/${p.body.payment_no}`, {})
    assert.equal(paid.status, 200, JSON.stringify(paid.body))
    return o.body.id
  }

  // The demo has a paid order of its own waiting for staff: pick the offers
  // of this test's orders.
  const first = await bookAndPay(4)
  const offer1 = page.locator(`[data-test^=offer-][data-order="${first}"]`)
  await offer1.waitFor({ timeout: 30000 })
  const c1 = await offer1.locator('[data-test=offer-countdown]').innerText()
  await page.waitForTimeout(2100)
  const c2 = await offer1.locator('[data-test=offer-countdown]').innerText()
  assert.ok(parseInt(c2.match(/\d+/)[0]) < parseInt(c1.match(/\d+/)[0]), `the countdown runs: ${c1} then ${c2}`)
  await snap(page, 'journey-offer')
  await offer1.locator('[data-test^=decline-]').click()
  await page.waitForSelector('.van-dialog:has-text("拒绝原因")')
  await page.click('.van-dialog button:has-text("距离太远")')
  await page.click('.van-dialog__confirm')
  await offer1.waitFor({ state: 'detached' })

  const second = await bookAndPay(5)
  const offer2 = page.locator(`[data-test^=offer-][data-order="${second}"]`)
  await offer2.waitFor({ timeout: 30000 })
  await offer2.locator('[data-test^=accept-]').click()
  await page.waitForURL(new RegExp(`/staff/jobs/${second}$`))
  await page.waitForSelector('[data-test=job-status]:has-text("已派单")')
  const o1 = await api('GET', `/v1/orders/${first}`, { token, city: 'sz' })
  assert.notEqual(o1.body.staff_id, (await stored(page, 'staff')).staff_id, 'the declined job went elsewhere (or back to dispatch)')
  assert.deepEqual(page.problems, [])
})
