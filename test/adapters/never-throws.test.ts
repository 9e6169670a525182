/**
 * OPS-04: no payload crashes a decoder. Arbitrary JSON, and recorded frames with one field replaced by an arbitrary
 * value, go through the stream decoders and the REST decoders: they never throw, every decode_error keeps the
 * exact payload, and nothing that decodes carries NaN or Infinity.
 */
import fc from 'fast-check'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {decodeAlpacaAccount, decodeAlpacaOrder, decodeAlpacaStreamFrame, decodeAlpacaTrades} from '../../src/adapters/alpaca/index.js'
import {decodeBybitFrame, decodeBybitOrders, decodeBybitResponse, decodeBybitWallet} from '../../src/adapters/bybit/index.js'
import {readJson, readText, transcript} from './fixture-routes.js'

const FIX = path.resolve(import.meta.dirname, '../../fixtures')
const alpacaFrames = (readJson(path.join(FIX, 'alpaca/ccxt/ts/src/test/static/ws/alpaca.watchMyTrades.messages.json')) as {messages: unknown[]}).messages
const privateDir = path.join(FIX, 'bybit/Bybit.Net/Bybit.UnitTests/Subscriptions/V5/Private')
const bybitFrames = ['Order.txt', 'UserTrades.txt', 'Position.txt', 'Balance.txt'].map((f) => transcript(readText(path.join(privateDir, f))).find((e) => e.dir === '=')!.json)

/** Every path to a leaf of a JSON value. */
function leafPaths(v: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (typeof v !== 'object' || v === null) return [at]
  const keys: (string | number)[] = Array.isArray(v) ? v.map((_, i) => i) : Object.keys(v)
  return keys.flatMap((k) => leafPaths((v as Record<string | number, unknown>)[k], [...at, k]))
}

function withLeaf(v: unknown, p: (string | number)[], leaf: unknown): unknown {
  const copy = structuredClone(v) as Record<string | number, unknown>
  let node = copy
  for (const k of p.slice(0, -1)) node = node[k] as Record<string | number, unknown>
  node[p[p.length - 1]] = leaf
  return copy
}

function noNonFinite(v: unknown): boolean {
  if (typeof v === 'number') return Number.isFinite(v)
  if (typeof v !== 'object' || v === null) return true
  return Object.values(v).every(noNonFinite)
}

function checkMessages(out: readonly {kind: string; raw?: unknown}[], input: unknown): void {
  expect(Array.isArray(out)).toBe(true)
  expect(out.length).toBeGreaterThan(0)
  for (const m of out) {
    if (m.kind === 'decode_error') expect(m.raw).toBe(input)
    else expect(noNonFinite(m)).toBe(true)
  }
}

const mutated = (frames: unknown[]) =>
  fc.constantFrom(...frames).chain((frame) =>
    fc.tuple(fc.constantFrom(...leafPaths(frame)), fc.jsonValue()).map(([p, leaf]) => withLeaf(frame, p, leaf)),
  )

describe('decoders never throw (OPS-04)', () => {
  it('stream decoders on arbitrary JSON', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => {
      checkMessages(decodeAlpacaStreamFrame(v, 1), v)
      checkMessages(decodeBybitFrame(v, 1, {positionMode: 'hedge'}), v)
    }), {numRuns: 500})
  })

  it('stream decoders on recorded frames with one field replaced', () => {
    fc.assert(fc.property(mutated(alpacaFrames), (v) => checkMessages(decodeAlpacaStreamFrame(v, 1), v)), {numRuns: 500})
    fc.assert(fc.property(mutated(bybitFrames), (v) => checkMessages(decodeBybitFrame(v, 1, {positionMode: 'hedge'}), v)), {numRuns: 500})
  })

  it('REST decoders on arbitrary JSON', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => {
      for (const r of [decodeAlpacaOrder(v), decodeAlpacaAccount(v, 1), decodeAlpacaTrades(v), decodeBybitOrders(v), decodeBybitWallet(v, 1)]) {
        if (!r.ok) expect(r.error.raw).toBe(v)
        else expect(noNonFinite(r.value)).toBe(true)
      }
      const reply = decodeBybitResponse(v, 'x', (res) => decodeBybitOrders(res))
      expect(typeof reply.ok).toBe('boolean')
    }), {numRuns: 500})
  })
})
