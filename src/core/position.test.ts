import {describe, expect, it} from 'vitest'
import {HedgeLeg, NetPosition, PositionBook, PositionError, sameQty} from './position.js'

describe('NetPosition', () => {
  it('adds at the volume-weighted average price', () => {
    const p = new NetPosition('AAPL')
    expect(p.apply('buy', 10, 100, 1)).toEqual({realized: 0, opened: 10, closed: 0})
    expect(p.apply('buy', 30, 104, 2)).toEqual({realized: 0, opened: 30, closed: 0})
    expect(p.qty).toBe(40)
    expect(p.avgPrice).toBe(103)
    expect(p.realizedPnl).toBe(0)
    expect(p.updatedAt).toBe(2)
  })

  it('reduces at the average cost, keeping the average, and realises PnL on the reduced part', () => {
    const p = new NetPosition('AAPL')
    p.apply('buy', 40, 103, 1)
    expect(p.apply('sell', 15, 110, 2)).toEqual({realized: 105, opened: 0, closed: 15})
    expect(p.qty).toBe(25)
    expect(p.avgPrice).toBe(103)
    expect(p.apply('sell', 25, 100, 3)).toEqual({realized: -75, opened: 0, closed: 25})
    expect(p.qty).toBe(0)
    expect(p.avgPrice).toBe(0)
    expect(p.realizedPnl).toBe(30)
  })

  it('flips through zero: realises the closed part and reopens the rest at the flip price', () => {
    const p = new NetPosition('AAPL')
    p.apply('buy', 10, 100, 1)
    expect(p.apply('sell', 25, 120, 2)).toEqual({realized: 200, opened: 15, closed: 10})
    expect(p.qty).toBe(-15)
    expect(p.avgPrice).toBe(120)
    // And back from short to long.
    expect(p.apply('buy', 20, 110, 3)).toEqual({realized: 150, opened: 5, closed: 15})
    expect(p.qty).toBe(5)
    expect(p.avgPrice).toBe(110)
    expect(p.realizedPnl).toBe(350)
  })

  it('keeps a short side: adding, gaining when price falls, losing when it rises', () => {
    const p = new NetPosition('TSLA')
    p.apply('sell', 10, 200, 1)
    p.apply('sell', 10, 210, 2)
    expect(p.qty).toBe(-20)
    expect(p.avgPrice).toBe(205)
    expect(p.unrealized(200)).toBe(100)
    expect(p.apply('buy', 5, 195, 3).realized).toBe(50)
    expect(p.apply('buy', 5, 215, 4).realized).toBe(-50)
    expect(p.qty).toBe(-10)
    expect(p.avgPrice).toBe(205)
    expect(p.snapshot()).toEqual({symbol: 'TSLA', side: 'net', qty: -10, avgPrice: 205, realizedPnl: 0, ts: 4})
  })

  it('closes to exactly zero despite float residue', () => {
    const p = new NetPosition('BTC')
    p.apply('buy', 0.1, 100, 1)
    p.apply('buy', 0.2, 100, 2)
    p.apply('sell', 0.3, 100, 3) // 0.1 + 0.2 - 0.3 = 5.5e-17
    expect(p.qty).toBe(0)
    expect(p.avgPrice).toBe(0)
  })
})

describe('HedgeLeg', () => {
  it('long leg: buys open, sells reduce and realise (price - avg)', () => {
    const leg = new HedgeLeg('BTCUSDT', 'long')
    expect(leg.openingSide).toBe('buy')
    expect(leg.apply('buy', 2, 100, 1)).toEqual({realized: 0, opened: 2, closed: 0})
    expect(leg.apply('buy', 2, 110, 2)).toEqual({realized: 0, opened: 2, closed: 0})
    expect(leg.avgPrice).toBe(105)
    expect(leg.unrealized(100)).toBe(-20)
    expect(leg.apply('sell', 1, 115, 3)).toEqual({realized: 10, opened: 0, closed: 1})
    expect(leg.apply('sell', 3, 95, 4)).toEqual({realized: -30, opened: 0, closed: 3})
    expect(leg.snapshot()).toEqual({symbol: 'BTCUSDT', side: 'long', qty: 0, avgPrice: 0, realizedPnl: -20, ts: 4})
  })

  it('short leg: sells open, buys reduce and realise (avg - price)', () => {
    const leg = new HedgeLeg('BTCUSDT', 'short')
    expect(leg.openingSide).toBe('sell')
    leg.apply('sell', 4, 100, 1)
    expect(leg.qty).toBe(4) // a hedge leg is never negative
    expect(leg.unrealized(90)).toBe(40)
    expect(leg.apply('buy', 1, 90, 2)).toEqual({realized: 10, opened: 0, closed: 1})
    expect(leg.apply('buy', 1, 104, 3)).toEqual({realized: -4, opened: 0, closed: 1})
    expect(leg.qty).toBe(2)
    expect(leg.avgPrice).toBe(100)
    expect(leg.realizedPnl).toBe(6)
  })

  it('refuses a reduce beyond the leg and leaves the leg untouched', () => {
    const leg = new HedgeLeg('BTCUSDT', 'long')
    leg.apply('buy', 1, 100, 1)
    expect(() => leg.apply('sell', 1.5, 101, 2)).toThrow(PositionError)
    expect(() => leg.apply('sell', 1.5, 101, 2)).toThrow("BTCUSDT long leg: reduce of 1.5 exceeds the leg's 1")
    expect(leg.snapshot()).toEqual({symbol: 'BTCUSDT', side: 'long', qty: 1, avgPrice: 100, realizedPnl: 0, ts: 1})
    const empty = new HedgeLeg('ETHUSDT', 'short')
    expect(() => empty.apply('buy', 0.001, 2000, 1)).toThrow(PositionError)
  })
})

describe('PositionBook', () => {
  it('keys hedge legs apart from each other and from the net position', () => {
    const book = new PositionBook()
    book.get('BTCUSDT', 'long').apply('buy', 2, 100, 1)
    book.get('BTCUSDT', 'short').apply('sell', 3, 101, 1)
    expect(book.qty('BTCUSDT', 'long')).toBe(2)
    expect(book.qty('BTCUSDT', 'short')).toBe(3)
    expect(book.qty('BTCUSDT')).toBe(0)
    expect(book.find('BTCUSDT', 'net')).toBeUndefined()
    expect(book.get('BTCUSDT', 'long')).toBe(book.get('BTCUSDT', 'long'))
    expect(book.get('BTCUSDT', 'long')).toBeInstanceOf(HedgeLeg)
    expect(book.get('AAPL', 'net')).toBeInstanceOf(NetPosition)
  })

  it('lists only open positions, and snapshots all of them sorted by symbol then side', () => {
    const book = new PositionBook()
    book.get('ZM', 'net').apply('buy', 1, 10, 5)
    book.get('BTCUSDT', 'short').apply('sell', 1, 100, 4)
    book.get('AAPL', 'net').apply('buy', 1, 10, 3)
    book.get('AAPL', 'net').apply('sell', 1, 12, 6)
    book.get('BTCUSDT', 'long').apply('buy', 1, 100, 2)
    expect([...book.open()].map((p) => `${p.symbol}/${p.snapshot().side}`)).toEqual(['ZM/net', 'BTCUSDT/short', 'BTCUSDT/long'])
    expect(book.snapshots()).toEqual([
      {symbol: 'AAPL', side: 'net', qty: 0, avgPrice: 0, realizedPnl: 2, ts: 6},
      {symbol: 'BTCUSDT', side: 'long', qty: 1, avgPrice: 100, realizedPnl: 0, ts: 2},
      {symbol: 'BTCUSDT', side: 'short', qty: 1, avgPrice: 100, realizedPnl: 0, ts: 4},
      {symbol: 'ZM', side: 'net', qty: 1, avgPrice: 10, realizedPnl: 0, ts: 5},
    ])
  })
})

describe('quantities equal up to float noise', () => {
  it('a hedge leg built from partial fills closes with the order quantity it was sized from', () => {
    const leg = new HedgeLeg('BTCUSDT', 'long')
    // 1000 partial fills of 4.9944: the float sum misses 4994.4 by 4.5e-11, far beyond an absolute 1e-12.
    for (let i = 0; i < 1000; i++) leg.apply('buy', 4.9944, 100, 1)
    expect(leg.qty).toBe(4994.399999999955)
    expect(leg.apply('sell', 4994.4, 101, 2).closed).toBe(4994.4)
    expect(leg.qty).toBe(0)
    expect(() => new HedgeLeg('X', 'short').apply('buy', 1, 1, 1)).toThrow(PositionError)
  })

  it('sameQty is relative: noise passes at any size, a real lot does not', () => {
    expect(sameQty(4994.39999999998, 4994.4)).toBe(true)
    expect(sameQty(1e8 + 1e-7, 1e8)).toBe(true)
    expect(sameQty(4994.399, 4994.4)).toBe(false)
    expect(sameQty(0.001, 0.002)).toBe(false)
  })
})
