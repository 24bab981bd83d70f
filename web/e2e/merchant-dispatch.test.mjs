// The merchant back office's dispatch and marketing pages, as the sz
// housekeeping owner (13700000101) uses them:
// (1) a customer books and pays (sandbox) a cleaning without choosing staff;
//     the owner opens 派单看板, sees the order, reads its 派单说明 and assigns
//     it by clicking the order and then a staff member; the API agrees.
// (2) the owner decorates the shop page (店铺装修): adds a notice, moves it,
//     saves, previews, publishes; the public page shows it.
// (3) the coupons, figures and dispatch policy pages render at both widths.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { BASE, DESKTOP, api, launch, open, shot, shots, adminPasswordSignIn, stored, confirmBox, customerSession } from './lib.mjs'

const OWNER = '13700000101'
const CUSTOMER = '13900000001'

let browser
let page
const state = { orderId: 0, orderNo: '' }

before(async () => {
  browser = await launch()
  page = await open(browser, DESKTOP)
})
after(async () => {
  await browser?.close()
})

async function signInOwner() {
  await adminPasswordSignIn(page, OWNER)
  await page.waitForURL((u) => !/\/admin\/login/.test(u.pathname))
  // One back-office grant: the role page picks it by itself; else pick it.
  const left = await page.waitForFunction(() => !/\/admin\/(login|role)/.test(location.pathname), null, { timeout: 5000 }).catch(() => null)
  if (!left) await page.click('[data-test="grant-merchant_owner-city:sz"]:enabled')
  await page.waitForFunction(() => !/\/admin\/(login|role)/.test(location.pathname))
  const s = await stored(page)
  assert.equal(s.role, 'merchant_owner')
  return s
}

/** The city date `days` from now (Shanghai time). */
function cityDay(days) {
  return new Date(Date.now() + days * 864e5 + 8 * 3600e3).toISOString().slice(0, 10)
}

test('(1) a paid order waiting for staff is explained and assigned on the dispatch board by clicking', async () => {
  // The customer books the cleaning (service 1, 洁净家政) without choosing anyone, and pays in the sandbox.
  const customer = await customerSession(CUSTOMER)
  const token = customer.access_token
  const addr = (await api('GET', '/v1/addresses', { token, city: 'sz' })).body[0]
  assert.ok(addr, 'the demo customer has an address')
  const o = await api('POST', '/v1/orders', { token, city: 'sz', body: { service_item_id: 1, address_id: addr.id, slot_start: `${cityDay(3)}T15:00` } })
  assert.equal(o.status, 201, JSON.stringify(o.body))
  assert.equal(o.body.staff_id || 0, 0, 'no staff chosen')
  const p = await api('POST', `/v1/orders/${o.body.id}/pay`, { token, city: 'sz', body: { method: 'sandbox' } })
  assert.equal(p.status, 201, JSON.stringify(p.body))
  const paid = await api('POST', `/v1/sandbox/pay/${p.body.payment_no}`, {})
  assert.equal(paid.status, 200, JSON.stringify(paid.body))
  state.orderId = o.body.id
  state.orderNo = o.body.order_no

  const s = await signInOwner()
  await page.click('[data-test="menu-/merchant/dispatch"]')
  await page.waitForURL(/\/admin\/merchant\/dispatch/)
  const card = page.locator(`[data-test=board-waiting] [data-test=order-${state.orderId}]`)
  await card.waitFor()
  assert.match(await card.innerText(), new RegExp(state.orderNo))

  // The order's dispatch explanation: decisions with candidates.
  await card.locator(`[data-test=explain-${state.orderId}]`).click()
  const drawer = page.locator('[data-test=explain-drawer]')
  await drawer.locator('[data-test=why]').first().waitFor()
  assert.match(await drawer.innerText(), /共考虑 \d+ 人/)
  await shot(page, 'desktop-merchant-dispatch-explain')
  await page.keyboard.press('Escape')
  await drawer.waitFor({ state: 'hidden' })

  // Pick a staff member who is not the one holding an open offer, if any.
  const board = (await api('GET', '/v1/merchant/dispatch/board', { token: s.access_token, city: 'sz' })).body
  const line = board.unassigned.find((x) => x.order_id === state.orderId)
  const target = board.staff.find((m) => m.name === '李阿姨' && m.id !== line?.open_offer?.staff_id) || board.staff.find((m) => m.id !== line?.open_offer?.staff_id)
  assert.ok(target, `a staff member to assign: ${JSON.stringify(board.staff)}`)

  // Click the order, then the staff member.
  await card.click()
  await page.waitForSelector('[data-test=board-hint]')
  await page.click(`[data-test=board-staff] [data-test=staff-${target.id}]`)
  await page.waitForSelector('.el-message--success')
  await page.locator(`[data-test=board-waiting] [data-test=order-${state.orderId}]`).waitFor({ state: 'detached' })
  await page.locator(`[data-test=board-assigned] [data-test=order-${state.orderId}]`).waitFor()

  const after = await api('GET', `/v1/merchant/orders/${state.orderId}`, { token: s.access_token, city: 'sz' })
  assert.equal(after.body.status, 'assigned')
  assert.equal(after.body.staff_id, target.id)

  // Drag the assigned order onto someone else: reassigned after confirming.
  const other = board.staff.find((m) => m.id !== target.id)
  if (other) {
    await page.dragAndDrop(`[data-test=board-assigned] [data-test=order-${state.orderId}]`, `[data-test=board-staff] [data-test=staff-${other.id}]`)
    await confirmBox(page)
    await page.waitForSelector('.el-message--success:has-text("已改派")')
    const moved = await api('GET', `/v1/merchant/orders/${state.orderId}`, { token: s.access_token, city: 'sz' })
    assert.equal(moved.body.status, 'assigned')
    assert.equal(moved.body.staff_id, other.id)
  }

  await shots(page, 'merchant-dispatch-board', () => page.locator(`[data-test=board-assigned] [data-test=order-${state.orderId}]`).waitFor())
  assert.deepEqual(page.problems, [])
})

test('(2) the owner decorates the shop page: adds a notice, moves it up, saves, previews, publishes; the public page shows it', async () => {
  const s = await stored(page)
  const shop = (await api('GET', '/v1/merchant/shop', { token: s.access_token, city: 'sz' })).body
  assert.ok(shop.id > 0, JSON.stringify(shop))
  const text = `店庆公告 ${Date.now().toString(36)}：本周全场服务满 200 减 30`

  await page.click('[data-test="menu-/merchant/decoration"]')
  await page.waitForURL(/\/admin\/merchant\/decoration/)
  await page.waitForSelector('[data-test=page-preview]')
  const rows = page.locator('[data-test=component-list] > li')
  const n = await rows.count()

  // Add a notice at the end, write it, move it up one place.
  await page.click('[data-test=add-notice]')
  await page.locator(`[data-test=component-${n}][data-type=notice]`).waitFor()
  // An empty notice is refused; the API's error shows next to the field.
  await page.fill('[data-test=component-form] textarea[data-test=f-text]', '')
  await page.click('[data-test=editor-save]')
  await page.waitForSelector('[data-test=component-form] .el-form-item__error')
  await page.locator(`[data-test=component-${n}].is-bad`).waitFor()
  await page.fill('[data-test=component-form] textarea[data-test=f-text]', text)
  await page.click('[data-test=component-form] .el-radio-button:has-text("促销")')
  if (n > 0) {
    await page.click(`[data-test=up-${n}]`)
    await page.locator(`[data-test=component-${n - 1}][data-type=notice]`).waitFor()
  }
  await page.waitForSelector('[data-test=unsaved]')

  // Save the draft; the preview (the saved draft with live data) shows the notice.
  await page.click('[data-test=editor-save]')
  await page.waitForSelector('.el-message--success')
  await page.waitForSelector('[data-test=unsaved]', { state: 'detached' })
  await page.click('[data-test=editor-preview]')
  await page.locator('[data-test=page-preview] [data-test=preview-notice]', { hasText: text }).waitFor()
  const at = n > 0 ? n - 1 : 0
  const types = await page.locator('[data-test=page-preview] section').evaluateAll((els) => els.map((e) => e.getAttribute('data-test')))
  assert.equal(types[at], 'preview-notice', `notice at ${at}: ${types}`)

  // Publish.
  await page.click('[data-test=editor-publish]')
  await confirmBox(page)
  await page.waitForSelector('.el-message--success:has-text("已发布")')

  const pub = await api('GET', `/v1/merchants/${shop.id}/page`, { city: 'sz' })
  assert.equal(pub.status, 200, JSON.stringify(pub.body))
  assert.equal(pub.body.default, false)
  assert.equal(pub.body.components[at].type, 'notice')
  assert.equal(pub.body.components[at].text, text)
  assert.equal(pub.body.components[at].level, 'promo')

  // History lists the new version as live.
  await page.click('[data-test=editor-history]')
  await page.waitForSelector('[data-test=history-list] .el-timeline-item:has-text("线上")')
  await page.keyboard.press('Escape')

  await shots(page, 'merchant-decoration', () => page.waitForSelector('[data-test=page-preview] [data-test=preview-notice]'))
  assert.deepEqual(page.problems, [])
})

test('(3) the owner issues a 满减 coupon and pauses it', async () => {
  const s = await stored(page)
  const title = `满100减20 ${Date.now().toString(36)}`
  await page.click('[data-test="menu-/merchant/coupons"]')
  await page.waitForURL(/\/admin\/merchant\/coupons/)
  await page.waitForSelector('[data-test=coupons-table]')
  await page.click('[data-test=coupon-new]')
  await page.fill('input[data-test=coupon-title]', title)
  assert.equal(await page.locator('[data-test=coupon-preview]').innerText(), '满¥100.00减¥20.00')
  await page.click('[data-test=coupon-save]')
  await page.waitForSelector('.el-message--success:has-text("优惠券已发放")')
  const row = page.locator('[data-test=coupons-table] .el-table__row', { hasText: title })
  await row.waitFor()
  const list = (await api('GET', '/v1/merchant/coupons', { token: s.access_token, city: 'sz' })).body.items
  const made = list.find((c) => c.title === title)
  assert.ok(made, 'the coupon is issued')
  assert.equal(made.kind, 'amount')
  assert.equal(made.amount_fen, 2000)
  assert.equal(made.min_spend_fen, 10000)

  await page.click(`[data-test=coupon-pause-${made.id}]`)
  await confirmBox(page)
  await row.locator('.ds-tag:has-text("已暂停")').waitFor()
  const after = await api('GET', `/v1/merchant/coupons/${made.id}`, { token: s.access_token, city: 'sz' })
  assert.equal(after.body.status, 'paused')
  await shots(page, 'merchant-coupons', () => page.locator('[data-test=coupons-table] .el-table__row, [data-test=coupons-list] .el-card').first().waitFor())
  assert.deepEqual(page.problems, [])
})

test('(4) figures with charts, and the dispatch policy saved and reset to the city default', async () => {
  const s = await stored(page)
  await page.click('[data-test="menu-/merchant/figures"]')
  await page.waitForURL(/\/admin\/merchant\/figures/)
  await page.waitForSelector('[data-test=kpi-gmv_fen]')
  assert.ok((await page.locator('canvas').count()) >= 2, 'charts drawn')
  await shots(page, 'merchant-figures', () => page.waitForSelector('[data-test=kpi-gmv_fen]'))

  await page.click('[data-test="menu-/merchant/dispatch-policy"]')
  await page.waitForURL(/\/admin\/merchant\/dispatch-policy/)
  await page.waitForSelector('[data-test=policy-source]')
  const radius = page.locator('[data-test=policy-radius] input')
  await radius.fill('8000')
  await radius.blur()
  await page.click('[data-test=policy-save]')
  await page.waitForSelector('.el-message--success:has-text("派单策略已保存")')
  await page.waitForSelector('[data-test=policy-source]:has-text("本店自定义")')
  let p = await api('GET', '/v1/merchant/dispatch-policy', { token: s.access_token, city: 'sz' })
  assert.equal(p.body.source, 'merchant')
  assert.equal(p.body.policy.radius_m, 8000)
  await shots(page, 'merchant-dispatch-policy', () => page.waitForSelector('[data-test=policy-source]'))

  await page.click('[data-test=policy-reset]')
  await confirmBox(page)
  await page.waitForSelector('[data-test=policy-source]:not(:has-text("本店自定义"))')
  p = await api('GET', '/v1/merchant/dispatch-policy', { token: s.access_token, city: 'sz' })
  assert.notEqual(p.body.source, 'merchant')
  assert.deepEqual(page.problems, [])
})

test('(5) a city admin opens 页面装修 for the city home page', async () => {
  const city = await open(browser, DESKTOP)
  await adminPasswordSignIn(city, '13800000002')
  await city.waitForURL(/\/admin\/city\//)
  await city.click('[data-test="menu-/city/pages"]')
  await city.waitForURL(/\/admin\/city\/pages/)
  await city.waitForSelector('[data-test=page-preview]')
  await city.waitForSelector('[data-test=component-list]')
  await shots(city, 'city-pages', () => city.waitForSelector('[data-test=page-preview]'))
  assert.deepEqual(city.problems, [])
  await city.context().close()
})
