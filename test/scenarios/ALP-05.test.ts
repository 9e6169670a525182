/**
 * ALP-05: the broker answers HTTP 429. Required: back off honouring the reset time the venue gives, never exceed the
 * configured request budget, and lose or double no request.
 *
 * Set-up (fixtures/scenarios/ALP-05.json): six signals arrive in one batch at 09:35:10. The simulator answers the
 * first submission with a rate limit that resets 60 s later (fault `rate_limit`), and enforces its own budget of 4
 * requests per 10 s. The pipeline's budget is 3 per 10 s. The old bot sends all six at once, logs the refusals
 * and assumes every order filled.
 */
import {describe, expect, it} from 'vitest'
import {type AlpRun, invariantFailures, loadAlp, recordsOf, requests, runOldBot, runPipeline, venueOrders} from './alp-harness.js'

const SYMBOLS = ['AAA', 'BBB', 'CCC', 'DDD', 'EEE', 'FFF']
const BUDGET = 3
const WINDOW = 10_000

interface Refusal {
  readonly at: number
  readonly resetAt: number
  readonly code: string
}

function refusals(run: AlpRun): Refusal[] {
  return recordsOf(run, 'response')
    .map((r) => ({at: r.t, error: (r.data as {error?: {code: string; message: string}}).error}))
    .filter((r) => r.error && /rate limit|budget/.test(r.error.message))
    .map((r) => ({at: r.at, code: r.error!.code, resetAt: Number(/retry after (\d+)/.exec(r.error!.message)![1])}))
}

function checks(run: AlpRun): string[] {
  const failures: string[] = []
  for (const s of SYMBOLS) {
    const n = venueOrders(run, s, 'buy').length
    if (n !== 1) failures.push(`${s}: ${n} orders on the venue, expected exactly 1`)
  }
  const sent = requests(run).map((r) => r.t)
  for (const r of refusals(run)) {
    const early = sent.filter((t) => t > r.at && t < r.resetAt)
    if (early.length > 0) failures.push(`${early.length} request(s) sent after a 429 at ${r.at} and before its reset at ${r.resetAt}`)
  }
  for (let i = 0; i < sent.length; i++) {
    const inWindow = sent.filter((t) => t >= sent[i] && t < sent[i] + WINDOW).length
    if (inWindow > BUDGET) {
      failures.push(`${inWindow} requests within ${WINDOW} ms from ${sent[i]}, budget ${BUDGET}`)
      break
    }
  }
  return failures
}

describe('ALP-05: rate limits (HTTP 429)', () => {
  it('waits for the reset, stays within the budget, and places every order exactly once', async () => {
    const run = await runPipeline(await loadAlp('ALP-05'))
    expect(run.out.failures).toEqual([])
    expect(invariantFailures(run)).toEqual([])
    expect(checks(run)).toEqual([])
    // The injected 429 happened, and only that one: the venue's own budget was never hit.
    const hits = refusals(run)
    expect(hits.map((h) => h.code)).toEqual(['429'])
    // The refused submission went again with the same client order id, at the reset, and was accepted once.
    const backoff = recordsOf(run, 'backoff')[0].data as {label: string; until: number; cause: string}
    expect(backoff.cause).toBe('rate_limit')
    expect(backoff.until).toBe(hits[0].resetAt)
    const id = backoff.label.replace(/^submit /, '')
    const submits = requests(run, 'submit').filter((r) => (r.data as {args: {clientOrderId: string}}).args.clientOrderId === id)
    expect(submits).toHaveLength(2)
    expect(submits[1].t).toBeGreaterThanOrEqual(hits[0].resetAt)
    expect(run.out.result.orders.filter((o) => o.clientOrderId === id)).toHaveLength(1)
  })

  it('bites: the old bot bursts past the budget, hits the venue limit, and loses the refused orders', async () => {
    const run = await runOldBot(await loadAlp('ALP-05'))
    const failures = checks(run)
    expect(failures).toEqual(expect.arrayContaining(['AAA: 0 orders on the venue, expected exactly 1', '6 requests within 10000 ms from ' + requests(run)[0].t + ', budget 3']))
    expect(invariantFailures(run).length).toBeGreaterThan(0)
  })
})
