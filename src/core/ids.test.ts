import {describe, expect, it} from 'vitest'
import {ClientOrderIdError, clientOrderId, fnv1a64, MAX_CLIENT_ORDER_ID} from './ids.js'
import {Rng} from './rng.js'

const CHARSET = /^[A-Za-z0-9_.:-]+$/

describe('clientOrderId', () => {
  it('is readable and deterministic for short plain parts', () => {
    const p = {scope: 'sma', key: 'AAPL1704067200000', leg: 'b', epoch: 1}
    expect(clientOrderId(p)).toBe('sma-AAPL1704067200000-b-1')
    expect(clientOrderId({...p})).toBe(clientOrderId(p))
    expect(clientOrderId({scope: 'sma-cross', key: 'k', leg: 'tp', epoch: 0})).toBe('sma-cross-k-tp-0')
  })

  it('hashes long or odd input into a bounded id that keeps the scope and the epoch', () => {
    const id = clientOrderId({scope: 'grid1', key: 'BTCUSDT level 12 / 2024-01-01T00:00:00Z', leg: 'tp', epoch: 7})
    expect(id).toMatch(/^grid1-[0-9a-f]{16}-7$/)
    expect(id).toBe(`grid1-${fnv1a64(JSON.stringify(['grid1', 'BTCUSDT level 12 / 2024-01-01T00:00:00Z', 'tp']))}-7`)
    expect(clientOrderId({scope: 'grid1', key: 'BTCUSDT level 12 / 2024-01-01T00:00:00Z', leg: 'tp', epoch: 7})).toBe(id)
  })

  it('changes with the epoch, on both the plain and the hashed form', () => {
    const plain = {scope: 's', key: 'k', leg: 'l'}
    expect(clientOrderId({...plain, epoch: 1})).not.toBe(clientOrderId({...plain, epoch: 2}))
    const long = {scope: 's', key: 'k'.repeat(50), leg: 'l'}
    expect(clientOrderId({...long, epoch: 1})).not.toBe(clientOrderId({...long, epoch: 2}))
    expect(clientOrderId({...long, epoch: 12})).not.toBe(clientOrderId({...long, epoch: 1}))
  })

  it('does not let the separator shift between parts collide', () => {
    const a = clientOrderId({scope: 'a-b', key: 'c', leg: 'x', epoch: 1})
    const b = clientOrderId({scope: 'a', key: 'b-c', leg: 'x', epoch: 1})
    const c = clientOrderId({scope: 'a', key: 'b', leg: 'c-x', epoch: 1})
    expect(new Set([a, b, c]).size).toBe(3)
    // Truncated scopes share their head: the hash must still see where each part ends.
    const s = 'S'.repeat(30)
    expect(clientOrderId({scope: `${s}-k`, key: 'y', leg: 'l', epoch: 1}))
      .not.toBe(clientOrderId({scope: s, key: 'k-y', leg: 'l', epoch: 1}))
  })

  it('stays within 36 allowed characters for any input (fuzz), and never collides', () => {
    const rng = new Rng(2024)
    const alphabet = 'abcXYZ019-_.:/ é€😀\u0000\n"\\'
    const text = (max: number): string => {
      let s = ''
      const n = rng.int(max + 1)
      for (let i = 0; i < n; i++) s += alphabet[rng.int(alphabet.length)]
      return s
    }
    const seen = new Map<string, string>()
    for (let i = 0; i < 5000; i++) {
      const parts = {scope: text(i % 2 ? 6 : 60), key: text(i % 3 ? 8 : 200), leg: text(4), epoch: rng.int(4) === 0 ? Number.MAX_SAFE_INTEGER : rng.int(1000)}
      const id = clientOrderId(parts)
      expect(id.length, JSON.stringify(parts)).toBeLessThanOrEqual(MAX_CLIENT_ORDER_ID)
      expect(id, JSON.stringify(parts)).toMatch(CHARSET)
      const input = JSON.stringify(parts)
      const before = seen.get(id)
      if (before !== undefined) expect(before, `collision on ${id}`).toBe(input)
      seen.set(id, input)
    }
    expect(seen.size).toBeGreaterThan(4500) // the generator rarely repeats an input
  })

  it('gives distinct ids to a few thousand realistic orders', () => {
    const ids = new Set<string>()
    let n = 0
    for (const scope of ['sma', 'grid1', 'grid-2']) {
      for (let level = 0; level < 400; level++) {
        for (const leg of ['entry', 'tp', 'l1']) {
          ids.add(clientOrderId({scope, key: `BTCUSDT${level}`, leg, epoch: 3}))
          n++
        }
      }
    }
    expect(n).toBe(3600)
    expect(ids.size).toBe(3600)
  })

  it('refuses an epoch that is not a non-negative safe integer', () => {
    for (const epoch of [-1, 1.5, NaN, Infinity, 1e21]) {
      expect(() => clientOrderId({scope: 's', key: 'k', leg: 'l', epoch}), String(epoch)).toThrow(ClientOrderIdError)
    }
    expect(() => clientOrderId({scope: 's', key: 'k', leg: 'l', epoch: -1})).toThrow('epoch must be a non-negative integer, got -1')
  })
})

describe('fnv1a64', () => {
  it('matches the published FNV-1a 64 test vectors', () => {
    expect(fnv1a64('')).toBe('cbf29ce484222325')
    expect(fnv1a64('a')).toBe('af63dc4c8601ec8c')
    expect(fnv1a64('foobar')).toBe('85944171f73967e8')
  })
})
