/** Determinism: a scripted session with jitter on every message is a pure function of its seed. */
import {describe, expect, it} from 'vitest'
import {Sim} from '../../test/sim/sim-harness.js'

/** Orders, an amend, a cancel and a query over a few bars; returns every message with its delivery time. */
async function session(seed: number): Promise<string[]> {
  const s = new Sim({config: {seed, latency: {fixedMs: 20, jitterMs: 80}, participation: 0.2}})
  const out: string[] = []
  s.ex.subscribe((e) => out.push(`${s.now()} event ${JSON.stringify(e)}`))
  const answer = <T>(what: string, p: Promise<T>): void => {
    p.then(
      (v) => out.push(`${s.now()} ${what} ${JSON.stringify(v)}`),
      (e: unknown) => out.push(`${s.now()} ${what} failed ${String(e)}`),
    )
  }
  // Sent at the same instant: the jitter decides when each one lands.
  answer('submit a', s.ex.submitOrder(s.order({side: 'buy', type: 'market', qty: 300})))
  answer('submit b', s.ex.submitOrder(s.order({side: 'buy', type: 'limit', qty: 50, limitPrice: 99})))
  answer('submit c', s.ex.submitOrder(s.order({side: 'buy', type: 'stop', qty: 20, stopPrice: 101.5})))
  await s.bar(100, 101, 98.5, 100.5, 1000)
  answer('amend b', s.ex.amendOrder({clientOrderId: 'o2'}, {limitPrice: 99.5, qty: 60}))
  answer('query a', s.ex.getOrder({clientOrderId: 'o1'}))
  await s.bar(100.5, 102, 99.4, 101.8, 1000)
  answer('cancel b', s.ex.cancelOrder({clientOrderId: 'o2'}))
  answer('account', s.ex.account())
  await s.bar(101.8, 102.4, 101, 102, 1000)
  await s.run(5_000)
  return out
}

describe('determinism', () => {
  it('two runs with the same seed give identical messages, times and payloads; another seed does not', async () => {
    const a = await session(42)
    const b = await session(42)
    const c = await session(43)
    expect(a.length).toBeGreaterThan(20)
    expect(b).toEqual(a)
    expect(c).not.toEqual(a)
    // Times are whole milliseconds.
    for (const line of a) expect(Number.isInteger(Number(line.split(' ')[0]))).toBe(true)
  })
})
