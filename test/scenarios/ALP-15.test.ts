/**
 * ALP-15: SIGINT / SIGTERM with orders in flight → stop new entries, wait (bounded) for in-flight orders to resolve,
 * persist, exit 0. A child session (test/ops/shutdown-child.ts) trades over IPC with the simulated venue in this
 * process; two limit buys rest when SIGTERM arrives, and the venue fills them only after the child has started to
 * drain. Bite: the old bot's handler (process.exit on SIGTERM) leaves nothing persisted and the orders unresolved.
 */
import {describe, expect, it} from 'vitest'
import {runShutdown, type ShutdownRun} from '../ops/shutdown-venue.js'

/** The required behaviour, as failures (empty = passes). */
function check(r: ShutdownRun): string[] {
  const f: string[] = []
  if (r.code !== 0) f.push(`exit code ${r.code} (signal ${r.signal})`)
  if (r.venueOrders.length !== 2) f.push(`${r.venueOrders.length} orders on the venue, expected the 2 sent before the signal`)
  for (const o of r.venueOrders) if (o.status !== 'filled') f.push(`venue order ${o.clientOrderId} is ${o.status}`)
  if (!r.persisted) f.push('nothing persisted')
  else {
    for (const o of r.venueOrders) {
      const p = r.persisted.orders.find((x) => x.clientOrderId === o.clientOrderId)
      if (!p || p.status !== o.status || p.filledQty !== o.filledQty) f.push(`persisted ${o.clientOrderId} is ${p?.status ?? 'missing'}, venue says ${o.status}`)
    }
    if (r.persisted.position !== 2) f.push(`persisted position ${r.persisted.position}, venue filled 2`)
  }
  const msgs = r.log.map((l) => l.msg)
  const order = ['SIGTERM: stopping new entries', 'entry refused: shutting down', 'state persisted', 'session closed']
  let at = -1
  for (const m of order) {
    const i = msgs.findIndex((x, k) => k > at && x.startsWith(m))
    if (i < 0) f.push(`log line "${m}" missing or out of order`)
    else at = i
  }
  return f
}

describe('ALP-15: graceful shutdown with orders in flight', () => {
  it('stops entries, waits for the orders to fill, persists them filled, and exits 0', async () => {
    const r = await runShutdown({mode: 'graceful', signals: 1, fillAfterSignal: true})
    expect(check(r)).toEqual([])
    expect(r.log.find((l) => l.msg.startsWith('SIGTERM'))?.msg).toBe('SIGTERM: stopping new entries; waiting up to 5 s for 2 order(s) in flight')
    expect(r.ms).toBeLessThan(5_000) // it left as soon as the orders were terminal, not at the end of the grace period
  })

  it('bites: the old handler (exit at once) persists nothing and leaves the orders unresolved', async () => {
    const r = await runShutdown({mode: 'naive', signals: 1, fillAfterSignal: true})
    const failures = check(r)
    expect(failures).toContain('nothing persisted')
    expect(failures.some((x) => /venue order sd-entry-1 is (new|accepted)/.test(x))).toBe(true)
  })
})
