import {describe, expect, it} from 'vitest'
import {parseSignal, signalId} from './signal.js'

const good = {id: signalId('momentum', 'SPY', 1_000), strategy: 'momentum', symbol: 'SPY', time: 1_000, score: 120, components: {velocity: 0.3, acceleration: 0.2, relativeVolume: 1.2}, referencePrice: 431.5, maxAgeMs: 300_000}

describe('signal schema', () => {
  it('accepts a well-formed signal and derives the same id from the same content', () => {
    expect(parseSignal(good)).toEqual({ok: true, signal: good})
    expect(signalId('momentum', 'SPY', 1_000)).toBe('momentum:SPY:1000')
  })

  it.each([
    ['missing field', {...good, symbol: undefined}, /^symbol: /],
    ['wrong type', {...good, score: '120'}, /^score: .*number/],
    ['NaN price', {...good, referencePrice: NaN}, /^referencePrice: /],
    ['infinite score', {...good, score: Infinity}, /^score: /],
    ['negative price', {...good, referencePrice: -1}, /^referencePrice: /],
    ['id not matching the content', {...good, id: 'momentum:SPY:999'}, /^id: does not match/],
    ['not an object', 'buy SPY', /^\(signal\): /],
    ['bad symbol characters', {...good, symbol: 'SP Y', id: 'momentum:SP Y:1000'}, /^symbol: /],
    ['missing component', {...good, components: {velocity: 1, acceleration: 1}}, /^components\.relativeVolume: /],
  ])('rejects %s with the field named', (_name, raw, reason) => {
    const r = parseSignal(raw)
    expect(r.ok).toBe(false)
    expect(r.ok ? '' : r.reason).toMatch(reason)
  })
})
