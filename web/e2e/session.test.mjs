// The API client keeps sessions alive and ends them safely: an expired
// access token is refreshed once (the refresh token rotates and is stored),
// a replayed refresh token signs the person out.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { BASE, DESKTOP, launch, open, adminPasswordSignIn, stored } from './lib.mjs'

let browser
let page
before(async () => {
  browser = await launch()
  page = await open(browser, DESKTOP)
})
after(async () => {
  await browser?.close()
})

test('password sign-in, then a 401 invalid_token is refreshed and retried', async () => {
  await adminPasswordSignIn(page, '13800000003')
  await page.waitForURL(/\/admin\/city\//)
  const first = await stored(page)
  assert.equal(first.scope, 'city:bj')
  // Spoil the access token: the next call answers 401 invalid_token.
  await page.evaluate(() => {
    const k = 'doorstep.admin.session'
    const s = JSON.parse(localStorage.getItem(k))
    s.access_token = 'x' + s.access_token.slice(1)
    localStorage.setItem(k, JSON.stringify(s))
  })
  await page.reload()
  await page.click('[data-test="menu-/city/operators"]')
  await page.waitForSelector('[data-test=operators-table] .el-table__row')
  const second = await stored(page)
  assert.notEqual(second.refresh_token, first.refresh_token, 'the refresh token rotated')
  assert.notEqual(second.access_token, first.access_token)
  assert.equal(second.scope, 'city:bj', 'the role survives the refresh')

  // Replay the spent refresh token with a spoiled access token: the API
  // ends the chain (refresh_token_reused) and the console signs out.
  await page.evaluate((spent) => {
    const k = 'doorstep.admin.session'
    const s = JSON.parse(localStorage.getItem(k))
    s.access_token = 'x' + s.access_token.slice(1)
    s.refresh_token = spent
    localStorage.setItem(k, JSON.stringify(s))
  }, first.refresh_token)
  await page.reload()
  await page.waitForURL(/\/admin\/login/)
  await page.waitForSelector('.el-alert:has-text("登录已失效")')
  assert.equal(await stored(page), null)
  const problems = page.problems.filter((p) => !/401/.test(p))
  assert.deepEqual(problems, [])
})
