import {describe, expect, it} from 'vitest'
import {defaultInstrument, floorToStep, isMultipleOf, positionModeFromName, positionModeName, roundToStep, splitPair} from './instrument.js'
import {Rng} from './rng.js'

describe('isMultipleOf', () => {
  it('tolerates binary floating-point noise', () => {
    expect(0.1 + 0.2).not.toBe(0.3) // the noise is real
    expect(isMultipleOf(0.1 + 0.2, 0.1)).toBe(true)
    expect(isMultipleOf(167.41, 0.01)).toBe(true)
    expect(isMultipleOf(0.003, 0.001)).toBe(true)
    expect(isMultipleOf(1.007, 1e-3)).toBe(true)
    expect(isMultipleOf(0.1 * 3, 1e-3)).toBe(true)
    // Ten partial fills of 0.1 lots add up to 0.9999999999999999.
    let sum = 0
    for (let i = 0; i < 10; i++) sum += 0.1
    expect(sum).not.toBe(1)
    expect(isMultipleOf(sum, 0.1)).toBe(true)
  })

  it('rejects values off the step', () => {
    expect(isMultipleOf(167.415, 0.01)).toBe(false)
    expect(isMultipleOf(0.0015, 1e-3)).toBe(false)
    expect(isMultipleOf(0.35, 0.1)).toBe(false)
    expect(isMultipleOf(100.05, 0.1)).toBe(false)
  })

  it('still rejects a half step on large counts of steps', () => {
    // 1.5e9 lots of 1 (a meme coin) and 1e9 ticks: the old relative tolerance accepted any value here.
    expect(isMultipleOf(1_500_000_000.5, 1)).toBe(false)
    expect(isMultipleOf(1_500_000_000, 1)).toBe(true)
    expect(isMultipleOf(1_234_567.8905, 0.001)).toBe(false)
    expect(isMultipleOf(1_234_567.891, 0.001)).toBe(true)
  })

  it('treats a non-positive step as no constraint', () => {
    expect(isMultipleOf(1.2345, 0)).toBe(true)
    expect(isMultipleOf(1.2345, -1)).toBe(true)
  })
})

describe('roundToStep', () => {
  it('rounds to the nearest step and returns the clean decimal', () => {
    expect(roundToStep(167.414, 0.01)).toBe(167.41)
    expect(roundToStep(167.416, 0.01)).toBe(167.42)
    expect(roundToStep(0.1 + 0.2, 0.1)).toBe(0.3)
    expect(roundToStep(0.0026, 0.001)).toBe(0.003)
    expect(roundToStep(101.13, 0.25)).toBe(101.25)
    expect(roundToStep(7, 5)).toBe(5)
    expect(roundToStep(1.23, 0)).toBe(1.23)
  })

  it('handles steps written in exponent form, including a fractional mantissa', () => {
    expect(roundToStep(0.00000123, 1e-7)).toBe(0.0000012)
    expect(roundToStep(7.6e-7, 2.5e-7)).toBe(7.5e-7)
    expect(isMultipleOf(roundToStep(7.6e-7, 2.5e-7), 2.5e-7)).toBe(true)
  })
})

describe('floorToStep', () => {
  it('rounds down to the lot, keeping exact multiples', () => {
    expect(floorToStep(1000 / 167.41, 1)).toBe(5)
    expect(floorToStep(1000 / 167.41, 0.001)).toBe(5.973)
    expect(floorToStep(0.1 + 0.2, 0.1)).toBe(0.3)
    expect(floorToStep(0.3, 0.1)).toBe(0.3) // 0.3 / 0.1 = 2.9999999999999996
    expect(floorToStep(0.0029999, 0.001)).toBe(0.002)
    expect(floorToStep(5, 0)).toBe(5)
  })

  it('never sizes beyond the budget, and never leaves a whole lot unused (fuzz)', () => {
    const rng = new Rng(7)
    const lots = [1, 0.1, 0.01, 0.001, 0.000001, 5, 0.25]
    for (let i = 0; i < 20_000; i++) {
      const budget = rng.uniform(1, 1_000_000)
      const price = roundToStep(rng.uniform(0.01, 100_000), 0.01)
      const lot = lots[rng.int(lots.length)]
      const want = budget / price
      const qty = floorToStep(want, lot)
      expect(qty, `budget ${budget} price ${price} lot ${lot}`).toBeLessThanOrEqual(want)
      expect(want - qty).toBeLessThan(lot)
      expect(isMultipleOf(qty, lot)).toBe(true)
    }
  })
})

describe('defaultInstrument', () => {
  it('gives each asset class its venue rules', () => {
    expect(defaultInstrument('AAPL', 'us_equity', 'alpaca')).toEqual({
      symbol: 'AAPL', venue: 'alpaca', assetClass: 'us_equity', contract: 'spot', tickSize: 0.01, lotSize: 1, minQty: 1,
      leverage: 1, maintenanceMarginRate: 0, quoteCurrency: 'USD',
    })
    expect(defaultInstrument('BTCUSDT', 'crypto_perp', 'bybit')).toEqual({
      symbol: 'BTCUSDT', venue: 'bybit', assetClass: 'crypto_perp', contract: 'linear_perpetual', tickSize: 0.1,
      lotSize: 0.001, minQty: 0.001, leverage: 10, maintenanceMarginRate: 0.005, quoteCurrency: 'USDT',
    })
    expect(defaultInstrument('BTC/USD', 'crypto_spot', 'alpaca')).toEqual({
      symbol: 'BTC/USD', venue: 'alpaca', assetClass: 'crypto_spot', contract: 'spot', tickSize: 0.01, lotSize: 0.000001,
      minQty: 0.000001, leverage: 1, maintenanceMarginRate: 0, quoteCurrency: 'USD', baseCurrency: 'BTC',
    })
    expect(defaultInstrument('BTCUSDT', 'crypto_spot', 'bybit')).toMatchObject({contract: 'spot', leverage: 1, quoteCurrency: 'USDT', baseCurrency: 'BTC'})
  })
})

describe('splitPair', () => {
  it('finds the quote coin at the end, the longest first, or after a separator', () => {
    expect(splitPair('BTCUSDT')).toEqual({base: 'BTC', quote: 'USDT'})
    expect(splitPair('ETHUSD')).toEqual({base: 'ETH', quote: 'USD'})
    expect(splitPair('SOLUSDC')).toEqual({base: 'SOL', quote: 'USDC'})
    expect(splitPair('BTC/USD')).toEqual({base: 'BTC', quote: 'USD'})
    expect(splitPair('ETH-EUR')).toEqual({base: 'ETH', quote: 'EUR'})
    expect(splitPair('ETHBTC')).toEqual({base: 'ETH', quote: 'BTC'})
    // No known quote: the whole symbol is the base, priced in USD.
    expect(splitPair('XYZ')).toEqual({base: 'XYZ', quote: 'USD'})
  })
})

describe('position mode names', () => {
  it('maps Bybit\'s names onto the position model both ways', () => {
    expect(positionModeFromName('one-way')).toBe('netting')
    expect(positionModeFromName('hedge')).toBe('hedge')
    expect(positionModeName('netting')).toBe('one-way')
    expect(positionModeName('hedge')).toBe('hedge')
  })
})
