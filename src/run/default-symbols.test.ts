import {describe, expect, it} from 'vitest'
import {UserInputError} from '../core/errors.js'
import {chooseDefaultSymbols, type StoredSeries} from './default-symbols.js'

// The bundled sample's shape: four stocks on alpaca, one perpetual on bybit (1m), daily stocks.
const STORE: StoredSeries[] = [
  ...['AIG', 'BAC', 'IBM', 'SPY'].map((symbol) => ({symbol, timeframe: '1m', venue: 'alpaca', assetClass: 'us_equity' as const})),
  {symbol: 'BTCUSDT', timeframe: '1m', venue: 'bybit', assetClass: 'crypto_perp'},
  ...['IBM', 'SPY'].map((symbol) => ({symbol, timeframe: '1d', venue: 'alpaca', assetClass: 'us_equity' as const})),
]

describe('chooseDefaultSymbols', () => {
  it('takes the venue with the most series for a strategy that trades anything, and says so', () => {
    const c = chooseDefaultSymbols(STORE, '1m', {name: 'sma-cross'})
    expect(c).toMatchObject({venue: 'alpaca', symbols: ['AIG', 'BAC', 'IBM', 'SPY']})
    expect(c.note).toBe('no --symbols given: using the alpaca symbols AIG,BAC,IBM,SPY; other venues: bybit')
  })

  it('takes the perpetuals for a strategy that trades only perpetuals', () => {
    const c = chooseDefaultSymbols(STORE, '1m', {name: 'grid', assetClasses: ['crypto_perp']})
    expect(c).toMatchObject({venue: 'bybit', symbols: ['BTCUSDT']})
    expect(c.note).toBe('no --symbols given: using the bybit symbols BTCUSDT (grid trades crypto_perp); other venues: alpaca')
  })

  it('refuses in one line when no data of the timeframe fits the strategy', () => {
    const run = () => chooseDefaultSymbols(STORE, '1d', {name: 'grid', assetClasses: ['crypto_perp']})
    expect(run).toThrow(UserInputError)
    expect(run).toThrow(/^grid trades crypto_perp, but the store's 1d bars are us_equity; import such data/)
    expect(() => chooseDefaultSymbols(STORE, '5m', {name: 'sma-cross'})).toThrow(/^no 5m bars in the store/)
  })
})
