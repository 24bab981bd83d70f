// (merchant A) The sz merchant owner of 洁净家政 signs in to the merchant back
// office: edits the shop intro, creates a service and takes it off shelf,
// adds a staff member, opens an order with its history and dispatch
// explanation, replies to a review; a person without a shop applies to open one.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { BASE, DESKTOP, launch, open, shots, adminSmsSignIn, adminPasswordSignIn, stored, api, confirmBox, customerSession } from './lib.mjs'

let browser
let page
let token
const stamp = Date.now().toString(36).slice(-5).toUpperCase()

before(async () => {
  browser = await launch()
  page = await open(browser, DESKTOP)
})
after(async () => {
  await browser?.close()
})

async function pick(selectLocator, optionText) {
  await selectLocator.click()
  const opt = page.locator('.el-select-dropdown:visible .el-select-dropdown__item', { hasText: optionText }).first()
  await opt.click()
}

test('the merchant owner signs in and lands in the merchant console', async () => {
  await adminPasswordSignIn(page, '13700000101')
  await page.waitForSelector('[data-test="menu-/merchant/shop"]')
  const s = await stored(page)
  assert.equal(s.role, 'merchant_owner')
  assert.equal(s.scope, 'city:sz')
  token = s.access_token
  for (const p of ['shop', 'items', 'staff', 'orders', 'aftersales', 'reviews', 'money', 'dispatchers']) {
    await page.waitForSelector(`[data-test="menu-/merchant/${p}"]`)
  }
})

test('edits the shop intro and saves it', async () => {
  await page.click('[data-test="menu-/merchant/shop"]')
  const intro = page.locator('textarea[data-test=shop-intro]')
  await intro.waitFor()
  const text = `持证上岗，准时上门（${stamp}）`
  await intro.fill(text)
  await page.click('[data-test=shop-save]')
  await page.waitForSelector('.el-message--success')
  const r = await api('GET', '/v1/merchant/shop', { token, city: 'sz' })
  assert.equal(r.body.intro, text)
  await shots(page, 'merchant-shop', () => page.waitForSelector('textarea[data-test=shop-intro]'))
})

test('creates a service, puts it on shelf and takes it off shelf', async () => {
  await page.click('[data-test="menu-/merchant/items"]')
  await page.click('[data-test=item-new]')
  await page.waitForURL(/\/merchant\/items\/new/)
  const title = `厨房深度清洁 ${stamp}`
  await page.fill('input[data-test=item-title]', title)
  await pick(page.locator('[data-test=item-category]'), '深度保洁')
  // the category suggests its skill (深度保洁)
  await page.waitForSelector('[data-test=item-skills] .el-tag:has-text("深度保洁")')
  await page.fill('textarea[data-test=item-desc]', '油烟机拆洗、灶台除垢')
  await page.fill('[data-test=item-price] input', '199.5')
  await page.click('[data-test=item-save]')
  await page.waitForURL(/\/merchant\/items$/)
  const items = (await api('GET', '/v1/merchant/items?limit=50', { token, city: 'sz' })).body.items
  const made = items.find((i) => i.title === title)
  assert.ok(made, 'the new service is listed by the API')
  assert.equal(made.price_fen, 19950)
  assert.deepEqual(made.skills, ['deep_cleaning'])
  assert.equal(made.status, 'off')
  const row = page.locator(`[data-test=item-${made.id}]`).locator('xpath=ancestor::tr')
  await row.waitFor()
  await row.locator('[data-test=item-on]').click()
  await row.locator('[data-test=item-off]').waitFor()
  await row.locator('[data-test=item-off]').click()
  await row.locator('[data-test=item-on]').waitFor()
  const after = await api('GET', `/v1/merchant/items/${made.id}`, { token, city: 'sz' })
  assert.equal(after.body.status, 'off')
  await shots(page, 'merchant-items', () => page.waitForSelector(`[data-test=item-${made.id}]`))
})

test('adds a staff member', async () => {
  await page.click('[data-test="menu-/merchant/staff"]')
  await page.click('[data-test=staff-add]')
  const phone = `136${String(Date.now()).slice(-8)}`
  await page.fill('input[data-test=staff-phone]', phone)
  await page.fill('input[data-test=staff-name]', `赵阿姨${stamp}`)
  await pick(page.locator('[data-test=staff-form] [data-test=staff-skills]'), '日常保洁')
  await page.keyboard.press('Escape')
  await page.click('[data-test=staff-save]')
  await page.waitForSelector(`[data-test=staff-table] .el-table__row:has-text("赵阿姨${stamp}")`)
  await shots(page, 'merchant-staff', () => page.waitForSelector('[data-test=staff-table] .el-table__row, .st__card'))
})

test('adds a certification to the new staff member and verifies it', async () => {
  await page.click(`[data-test=staff-table] .el-table__row:has-text("赵阿姨${stamp}")`)
  await page.waitForURL(/\/merchant\/staff\/\d+$/)
  await page.click('[data-test=cert-add]')
  const dlg = page.locator('.el-dialog:visible')
  await dlg.locator('.el-form-item:has-text("证书名称") input').fill('健康证')
  await dlg.locator('.el-form-item:has-text("发证机构") input').fill('深圳市卫生健康委员会')
  await dlg.locator('.el-form-item:has-text("证书图片") input').fill('https://example.com/health.jpg')
  await dlg.locator('.el-button--primary').click()
  const cert = page.locator('[data-test^=cert-]:has-text("健康证")')
  await cert.locator('.ds-tag:has-text("待审核")').waitFor()
  await cert.locator('button:has-text("审核通过")').click()
  await confirmBox(page)
  await cert.locator('.ds-tag:has-text("已认证")').waitFor()
  // A day off from the calendar.
  await page.click('[data-test=days-off] input')
  await page.locator('.el-picker-panel:visible td.available').first().click()
  await page.keyboard.press('Escape')
  await page.click('[data-test=days-save]')
  await page.waitForSelector('.el-message--success:has-text("已保存")')
  const staffId = page.url().split('/').pop()
  const st = await api('GET', `/v1/merchant/staff/${staffId}`, { token, city: 'sz' })
  assert.equal(st.body.days_off.length, 1)
  await shots(page, 'merchant-staff-detail', () => page.waitForSelector('[data-test^=cert-]'))
})

test('opens an order with its history and dispatch explanation', async () => {
  await page.click('[data-test="menu-/merchant/orders"]')
  const orders = (await api('GET', '/v1/merchant/orders?limit=50', { token, city: 'sz' })).body.items
  const done = orders.find((o) => o.status === 'completed')
  assert.ok(done, 'a completed order in the demo')
  await page.click(`[data-test=order-${done.id}]`)
  await page.waitForURL(new RegExp(`/merchant/orders/${done.id}$`))
  await page.waitForSelector('[data-test=order-events] .el-timeline-item:has-text("下单")')
  await page.waitForSelector('[data-test=order-events] .el-timeline-item:has-text("完成服务")')
  await page.waitForSelector('[data-test=order-dispatch]')
  const waiting = orders.find((o) => o.status === 'dispatching')
  if (waiting) {
    await page.goto(`${BASE}/admin/merchant/orders/${waiting.id}`)
    await page.waitForSelector('[data-test=order-dispatch] .od__decision')
    await page.waitForSelector('[data-test=order-assign]')
    await shots(page, 'merchant-order-dispatch', () => page.waitForSelector('[data-test=order-dispatch] .od__decision'))
    // Assign it by hand with the staff picker (smart dispatch ranks are shown as hints).
    await page.click('[data-test=order-assign]')
    await page.click('.el-dialog [data-test=staff-picker]')
    await page.locator('.el-select-dropdown:visible .el-select-dropdown__item', { hasText: '李阿姨' }).first().click()
    await page.click('[data-test=assign-ok]')
    await page.waitForSelector('[data-test=order-detail] .ds-tag:has-text("已派单")')
    await page.waitForSelector('[data-test=order-events] .el-timeline-item:has-text("派单")')
    const o = await api('GET', `/v1/merchant/orders/${waiting.id}`, { token, city: 'sz' })
    assert.equal(o.body.status, 'assigned')
    assert.equal(o.body.staff_name, '李阿姨')
    // 改派 to another staff member, then take it back for dispatch.
    await page.click('[data-test=order-reassign]')
    await page.click('.el-dialog:visible [data-test=staff-picker]')
    await page.locator('.el-select-dropdown:visible .el-select-dropdown__item', { hasText: '张师傅' }).first().click()
    await page.click('[data-test=assign-ok]')
    await page.waitForSelector('[data-test=order-detail] .el-descriptions:has-text("张师傅")')
    await page.click('[data-test=order-unassign]')
    await page.locator('.el-message-box__input input').fill('师傅临时有事')
    await confirmBox(page)
    await page.waitForSelector('[data-test=order-detail] .ds-tag:has-text("派单中")')
    await page.waitForSelector('[data-test=order-events] .el-timeline-item:has-text("撤回派单")')
  }
  await page.goto(`${BASE}/admin/merchant/orders`)
  await shots(page, 'merchant-orders', () => page.waitForSelector(`[data-test=order-${done.id}]`))
})

test('replies to a review', async () => {
  await page.goto(`${BASE}/admin/merchant/reviews`)
  const reviews = (await api('GET', '/v1/merchant/reviews?has_reply=false', { token, city: 'sz' })).body.items
  assert.ok(reviews.length, 'a review awaiting a reply')
  const r = reviews[0]
  await page.fill(`textarea[data-test=review-input-${r.id}]`, `感谢您的认可，期待再次为您服务！${stamp}`)
  await page.click(`[data-test=review-send-${r.id}]`)
  await page.waitForSelector(`[data-test=review-${r.id}] [data-test=review-reply-text]:has-text("${stamp}")`)
  const again = (await api('GET', '/v1/merchant/reviews?has_reply=true', { token, city: 'sz' })).body.items
  assert.ok(again.some((x) => x.id === r.id && x.reply.includes(stamp)))
})

test('answers an after-sales case with a refund offer', async () => {
  const customer = await customerSession('13900000001')
  const mine = (await api('GET', '/v1/orders?status=completed', { token: customer.access_token, city: 'sz' })).body.items || []
  const o = mine.find((x) => x.merchant_id === 1 && !x.aftersale_id)
  assert.ok(o, 'a completed order of this shop for the customer')
  const made = await api('POST', `/v1/orders/${o.id}/aftersale`, {
    token: customer.access_token,
    city: 'sz',
    body: { reason: 'quality', detail: '厨房角落没有打扫干净', requested_fen: 5000 },
  })
  assert.equal(made.status, 201, JSON.stringify(made.body))
  await page.click('[data-test="menu-/merchant/aftersales"]')
  await page.click(`[data-test=aftersale-reply-${made.body.id}]`)
  const dlg = page.locator('.el-dialog:visible')
  await dlg.locator('textarea').fill('非常抱歉，我们安排师傅免费返工，并退还部分费用。')
  await dlg.locator('.el-input-number input').fill('30')
  await dlg.locator('.el-button--primary').click()
  await page.waitForSelector(`[data-test=aftersale-${made.body.id}] .as__reply:has-text("¥30.00")`)
  const after = await api('GET', `/v1/merchant/aftersales?order_id=${o.id}`, { token, city: 'sz' })
  assert.equal(after.body.items[0].status, 'replied')
  assert.equal(after.body.items[0].merchant_offer_fen, 3000)
})

test('adds a dispatcher by phone and removes them', async () => {
  await page.click('[data-test="menu-/merchant/dispatchers"]')
  await page.waitForSelector('[data-test=dispatchers-table] .el-table__row:has-text("调度小陈")')
  await page.click('[data-test=dispatcher-add]')
  await page.fill('input[data-test=dispatcher-phone]', '13700000777')
  await page.locator('.el-dialog:visible .el-button--primary').click()
  const row = page.locator('[data-test=dispatchers-table] .el-table__row', { hasText: '137****0777' })
  await row.waitFor()
  await row.locator('button:has-text("移除")').click()
  await confirmBox(page)
  await row.waitFor({ state: 'detached' })
})

test('every merchant page of this helper renders without errors', async () => {
  for (const p of ['aftersales', 'money', 'dispatchers']) {
    await page.click(`[data-test="menu-/merchant/${p}"]`)
    await page.waitForSelector('.ph__title')
    await page.waitForLoadState('networkidle')
  }
  assert.deepEqual(page.problems, [])
})

test('a person without a shop applies to open one from the role picker', async () => {
  const p2 = await open(browser, DESKTOP)
  const phone = `139${String(Date.now()).slice(-8)}`
  await adminSmsSignIn(p2, phone)
  await p2.waitForURL(/\/admin\/role/)
  await p2.click('[data-test=apply-link]')
  await p2.waitForURL(/\/admin\/apply/)
  await p2.click('[data-test=apply-city]')
  await p2.locator('.el-select-dropdown:visible .el-select-dropdown__item', { hasText: '深圳' }).first().click()
  await p2.click('[data-test=apply-new]')
  await p2.fill('input[data-test=apply-name]', `小家电快修 ${stamp}`)
  await p2.fill('input[data-test=apply-licence]', `91440300MA${stamp}0000`.slice(0, 18))
  const form = p2.locator('[data-test=apply-form]')
  await form.locator('.el-form-item:has-text("营业执照图片链接") input').fill('https://example.com/licence.jpg')
  await form.locator('.el-form-item:has-text("联系人") input').first().fill('钱先生')
  await form.locator('.el-form-item:has-text("联系电话") input').fill('13700000999')
  await form.locator('.el-form-item:has-text("经营类目") .el-select').click()
  await p2.locator('.el-select-dropdown:visible .el-select-dropdown__item', { hasText: '空调维修' }).first().click()
  await p2.keyboard.press('Escape')
  await p2.click('[data-test=apply-submit]')
  await p2.waitForSelector('[data-test^=application-] .ds-tag:has-text("待审核")')
  // The city asks for more information; the applicant edits and resubmits.
  const login = await api('POST', '/v1/auth/login/password', { body: { login: '13800000002', password: 'Demo1234' } })
  const grant = login.body.grants.find((g) => g.role === 'city_admin' && g.domain === 'city:sz')
  const admin = await api('POST', '/v1/auth/switch', { token: login.body.access_token, body: { grant_id: grant.id } })
  const appId = Number((await p2.locator('[data-test^=application-]').first().getAttribute('data-test')).split('-')[1])
  const mine = await api('GET', '/v1/merchant-applications/mine', { token: (await stored(p2)).access_token, city: 'sz' })
  assert.ok(Array.isArray(mine.body) && mine.body.some((a) => a.id === appId), JSON.stringify(mine.body))
  const more = await api('POST', `/v1/admin/merchant-applications/${appId}/more-info`, { token: admin.body.access_token, city: 'sz', body: { note: '请补充清晰的营业执照照片' } })
  assert.equal(more.status, 200, JSON.stringify(more.body))
  await p2.reload()
  await p2.waitForSelector(`[data-test=application-${appId}]:has-text("请补充清晰的营业执照照片")`)
  await p2.click('[data-test=apply-edit]')
  await form.locator('.el-form-item:has-text("营业执照图片链接") input').fill('https://example.com/licence-clear.jpg')
  await form.locator('.el-form-item:has-text("联系电话") input').fill('13700000999')
  await p2.click('[data-test=apply-submit]')
  await p2.waitForSelector(`[data-test=application-${appId}] .ds-tag:has-text("待审核")`)
  const again = await api('GET', `/v1/admin/merchant-applications/${appId}`, { token: admin.body.access_token, city: 'sz' })
  assert.equal(again.body.licence_url, 'https://example.com/licence-clear.jpg')
  await shots(p2, 'merchant-apply', () => p2.waitForSelector('[data-test^=application-]'))
  assert.deepEqual(p2.problems, [])
  await p2.context().close()
})

test('a dispatcher sees orders but not money, dispatchers or edit buttons', async () => {
  const p3 = await open(browser, DESKTOP)
  await adminPasswordSignIn(p3, '13700000191')
  await p3.waitForSelector('[data-test="menu-/merchant/orders"]')
  const s = await stored(p3)
  assert.equal(s.role, 'merchant_dispatcher')
  assert.equal(await p3.locator('[data-test="menu-/merchant/money"]').count(), 0)
  assert.equal(await p3.locator('[data-test="menu-/merchant/dispatchers"]').count(), 0)
  assert.equal(await p3.locator('[data-test="menu-/merchant/reviews"]').count(), 0)
  await p3.click('[data-test="menu-/merchant/items"]')
  await p3.waitForSelector('[data-test=items-table] .el-table__row')
  assert.equal(await p3.locator('[data-test=item-new]').count(), 0)
  assert.equal(await p3.locator('[data-test=item-off]').count(), 0)
  await p3.click('[data-test="menu-/merchant/shop"]')
  await p3.waitForSelector('[data-test=shop-form]')
  assert.equal(await p3.locator('[data-test=shop-save]').count(), 0)
  await p3.click('[data-test="menu-/merchant/staff"]')
  await p3.waitForSelector('[data-test=staff-table] .el-table__row')
  assert.equal(await p3.locator('[data-test=staff-add]').count(), 0)
  assert.equal(await p3.locator('[data-test=staff-share]').count(), 1, 'shop:read lets a dispatcher see the share')
  assert.deepEqual(p3.problems, [])
  await p3.context().close()
})
