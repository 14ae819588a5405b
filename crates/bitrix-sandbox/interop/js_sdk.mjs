// Interop checks: the official JS SDK (@bitrix24/b24jssdk) against a b24-sandbox.
//
// Run by crates/bitrix-sandbox/tests/interop.rs, which starts two sandboxes in TLS mode
// and passes their webhook URLs in B24_WEBHOOK (no limits) and B24_LIMITED_WEBHOOK (a
// tiny leaky bucket), with NODE_EXTRA_CA_CERTS pointing at the sandbox certificates.
// Only the SDK's public API is used; nothing in the SDK is patched.
import assert from 'node:assert/strict'
import { ApiVersion, B24Hook } from '@bitrix24/b24jssdk'

function hookFor(url, options) {
  const b24 = B24Hook.fromWebhookUrl(url, options)
  b24.offClientSideWarning()
  return b24
}

async function call(b24, method, params = {}) {
  const response = await b24.actions.v2.call.make({ method, params })
  assert.ok(response.isSuccess, `${method}: ${response.getErrorMessages().join('; ')}`)
  return response
}

async function listWithPaging(b24) {
  const first = await call(b24, 'crm.deal.list', { select: ['ID', 'TITLE'], order: { ID: 'ASC' } })
  assert.equal(first.getData().result.length, 50)
  assert.ok(first.isMore())
  const total = first.getTotal()
  assert.ok(total >= 60, `total ${total}`)
  const second = await first.getNext(b24.getHttpClient(ApiVersion.v2))
  assert.equal(second.getData().result[0].ID, '51')
  const all = await b24.actions.v2.callList.make({ method: 'crm.deal.list', params: { select: ['ID'] }, idKey: 'ID' })
  assert.ok(all.isSuccess)
  assert.equal(all.getData().length, total)
  let streamed = 0
  for await (const page of b24.actions.v2.fetchList.make({ method: 'crm.item.list', params: { entityTypeId: 2, select: ['id'] }, idKey: 'id', customKeyForResult: 'items' })) {
    streamed += page.length
  }
  assert.equal(streamed, total)
}

async function batch(b24) {
  const response = await b24.actions.v2.batch.make({
    calls: {
      me: ['user.current', {}],
      deal: ['crm.deal.get', { id: 1 }],
      deals: ['crm.deal.list', { select: ['ID'], filter: { '>OPPORTUNITY': 1000 } }],
    },
    options: { isHaltOnError: true },
  })
  assert.ok(response.isSuccess, response.getErrorMessages().join('; '))
  const data = response.getData()
  assert.equal(data.me.ID, '1')
  assert.equal(data.deal.ID, '1')
  assert.equal(data.deals.length, 50)
  const asList = await b24.actions.v2.batch.make({ calls: [['user.current', {}], ['crm.deal.get', { id: 2 }]] })
  assert.ok(asList.isSuccess)
  assert.equal(asList.getData()[1].ID, '2')
}

async function dealLifecycle(b24) {
  const added = await call(b24, 'crm.deal.add', { fields: { TITLE: 'Interop: JS SDK', OPPORTUNITY: 5000 } })
  const id = added.getData().result
  assert.equal(typeof id, 'number')
  const got = await call(b24, 'crm.deal.get', { id })
  assert.equal(got.getData().result.TITLE, 'Interop: JS SDK')
  const updated = await call(b24, 'crm.deal.update', { id, fields: { STAGE_ID: 'FINAL_INVOICE' } })
  assert.equal(updated.getData().result, true)
  assert.equal((await call(b24, 'crm.deal.get', { id })).getData().result.STAGE_ID, 'FINAL_INVOICE')
  assert.equal((await call(b24, 'crm.deal.delete', { id })).getData().result, true)
}

async function missingEntity(b24) {
  await assert.rejects(
    b24.actions.v2.call.make({ method: 'crm.deal.get', params: { id: 999999 } }),
    (error) => error.status === 400,
  )
  const item = b24.actions.v2.call.make({ method: 'crm.item.get', params: { entityTypeId: 2, id: 999999 } })
  await assert.rejects(item, (error) => error.status === 400 && error.code === 'NOT_FOUND')
}

async function rateLimit(url) {
  // A generous client-side limiter, so the sandbox's bucket is what rejects.
  const generous = { rateLimit: { burstLimit: 1000, drainRate: 1000, adaptiveEnabled: false } }
  const patient = hookFor(url, { restrictionParams: { ...generous, maxRetries: 5 } })
  for (let i = 0; i < 6; i++) {
    await call(patient, 'server.time')
  }
  const stats = patient.getHttpClient(ApiVersion.v2).getStats()
  assert.ok(stats.limitHits > 0, `limit hits ${stats.limitHits}`)
  assert.ok(stats.retries > 0, `retries ${stats.retries}`)
  const hasty = hookFor(url, { restrictionParams: { ...generous, maxRetries: 1 } })
  let rejected = null
  for (let i = 0; i < 10 && rejected === null; i++) {
    try {
      await hasty.actions.v2.call.make({ method: 'server.time', params: {} })
    } catch (error) {
      rejected = error
    }
  }
  assert.ok(rejected, 'the limit was never hit')
  assert.equal(rejected.status, 503)
  assert.equal(rejected.code, 'QUERY_LIMIT_EXCEEDED')
}

const b24 = hookFor(process.env.B24_WEBHOOK)
const checks = [
  ['list with paging', () => listWithPaging(b24)],
  ['batch', () => batch(b24)],
  ['deal add/get/update/delete', () => dealLifecycle(b24)],
  ['missing entity', () => missingEntity(b24)],
  ['rate limit', () => rateLimit(process.env.B24_LIMITED_WEBHOOK)],
]
let failed = 0
for (const [name, check] of checks) {
  try {
    await check()
    console.log(`ok: ${name}`)
  } catch (error) {
    failed += 1
    console.log(`FAILED: ${name}`)
    console.log(error)
  }
}
console.log(`js sdk: ${checks.length - failed} of ${checks.length} checks passed`)
process.exit(failed ? 1 : 0)
