import {describe, expect, it} from 'vitest'
import {findStrategy} from '../../strategies/index.js'
import {parseStrategyParams} from './strategy-params.js'

describe('parseStrategyParams', () => {
  it('names a misspelt parameter even where the schema would drop it silently (sma-cross, buy-and-hold)', () => {
    const sma = parseStrategyParams(findStrategy('sma-cross')!, {fast: 5, slwo: 40}, 'parameters of sma-cross')
    expect(sma).toEqual({ok: false, message: "parameters of sma-cross: 'slwo': unknown parameter; did you mean 'slow'? remove or correct the spelling"})
    const bh = parseStrategyParams(findStrategy('buy-and-hold')!, {fractoin: 0.5}, 'p')
    expect(bh.ok).toBe(false)
    expect(!bh.ok && bh.message).toContain("did you mean 'fraction'")
  })

  it('names a misspelt parameter of a strict schema, and a nested one, and keeps value errors as they are', () => {
    const grid = parseStrategyParams(findStrategy('grid')!, {gridStepPcx: 1}, 'p')
    expect(!grid.ok && grid.message).toContain("'gridStepPcx': unknown parameter; did you mean 'gridStepPct'?")
    const bad = parseStrategyParams(findStrategy('sma-cross')!, {fast: 50, slow: 20}, 'p')
    expect(!bad.ok && bad.message).toBe("p: 'fast': fast must be shorter than slow")
  })

  it('returns the parsed parameters with their defaults when all is well', () => {
    expect(parseStrategyParams(findStrategy('sma-cross')!, {fast: 5}, 'p')).toEqual({ok: true, data: {fast: 5, slow: 30, fraction: 0.2}})
  })
})
