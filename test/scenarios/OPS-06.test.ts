/**
 * OPS-06: shutdown of any bot is graceful (see ALP-15), including its two edges: the wait is bounded (an order
 * that never resolves does not hold the process: it persists, says so, and exits 0 after the grace period), and a
 * second signal exits at once after persisting. Bite: the old handler exits without persisting anything.
 */
import {describe, expect, it} from 'vitest'
import {runShutdown} from '../ops/shutdown-venue.js'

describe('OPS-06: bounded drain, second signal', () => {
  it('a second SIGTERM persists and exits at once, the orders still open', async () => {
    const r = await runShutdown({mode: 'graceful', signals: 2, fillAfterSignal: false, graceMs: 10_000})
    expect(r.code).toBe(1)
    expect(r.ms).toBeLessThan(5_000)
    expect(r.venueOrders.map((o) => o.status)).toEqual(['accepted', 'accepted'])
    expect(r.persisted?.orders.map((o) => o.status)).toEqual(['accepted', 'accepted'])
    const msgs = r.log.map((l) => l.msg)
    expect(msgs).toContain('SIGTERM again: persisting and exiting now (2 order(s) still in flight)')
    expect(msgs.indexOf('state persisted')).toBeGreaterThan(msgs.findIndex((m) => m.startsWith('SIGTERM again')))
  })

  it('an order that never resolves: waits the grace period, persists, logs what stays open, exits 0', async () => {
    const r = await runShutdown({mode: 'graceful', signals: 1, fillAfterSignal: false, graceMs: 800})
    expect(r.code).toBe(0)
    expect(r.ms).toBeGreaterThanOrEqual(800)
    expect(r.ms).toBeLessThan(5_000)
    expect(r.persisted?.orders.map((o) => o.status)).toEqual(['accepted', 'accepted'])
    expect(r.log.map((l) => l.msg)).toContain('grace period over with 2 order(s) still open; they stay on the venue and are reconciled at the next start')
  })

  it('bites: the old handler exits without persisting', async () => {
    const r = await runShutdown({mode: 'naive', signals: 1, fillAfterSignal: false})
    expect(r.persisted).toBeUndefined()
    expect(r.log.map((l) => l.msg)).not.toContain('state persisted')
  })
})
