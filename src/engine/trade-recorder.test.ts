import {describe, expect, it} from 'vitest'
import type {Fill} from '../core/fill.js'
import type {PositionSide, Side} from '../core/order.js'
import {TradeRecorder} from './trade-recorder.js'

let seq = 0
function f(symbol: string, side: Side, qty: number, price: number, fee: number, ts: number, clientOrderId = `c${++seq}`, positionSide: PositionSide = 'net'): Fill {
  return {execId: `e${++seq}`, clientOrderId, venueOrderId: 'v', symbol, side, positionSide, qty, price, fee, liquidity: 'taker', ts}
}

describe('TradeRecorder', () => {
  it('records a simple long round trip with both fees', () => {
    const r = new TradeRecorder(() => undefined)
    r.apply(f('AAPL', 'buy', 10, 100, 1, 1000))
    expect(r.trades).toEqual([])
    r.apply(f('AAPL', 'sell', 10, 110, 1.5, 2000))
    expect(r.trades).toEqual([{symbol: 'AAPL', direction: 'long', qty: 10, entryTs: 1000, entryPrice: 100, exitTs: 2000,
      exitPrice: 110, pnl: 100 - 2.5, fees: 2.5, exitReason: 'signal'}])
  })

  it('records a short round trip', () => {
    const r = new TradeRecorder(() => undefined)
    r.apply(f('TSLA', 'sell', 5, 200, 1, 1))
    r.apply(f('TSLA', 'buy', 5, 190, 1, 2))
    expect(r.trades).toEqual([{symbol: 'TSLA', direction: 'short', qty: 5, entryTs: 1, entryPrice: 200, exitTs: 2, exitPrice: 190,
      pnl: 48, fees: 2, exitReason: 'signal'}])
  })

  it('scales in at a weighted entry and exits in parts at a weighted exit', () => {
    const r = new TradeRecorder(() => undefined)
    r.apply(f('AAPL', 'buy', 10, 100, 0, 1))
    r.apply(f('AAPL', 'buy', 30, 104, 0, 2))
    r.apply(f('AAPL', 'sell', 10, 110, 0, 3))
    expect(r.trades).toEqual([])
    r.apply(f('AAPL', 'buy', 10, 98, 0, 4)) // add after a partial exit
    r.apply(f('AAPL', 'sell', 40, 105, 0, 5))
    expect(r.trades).toHaveLength(1)
    const t = r.trades[0]
    expect(t.qty).toBe(50)
    expect(t.entryPrice).toBe((1000 + 3120 + 980) / 50)
    expect(t.exitPrice).toBe((1100 + 4200) / 50)
    expect(t.pnl).toBe(5300 - 5100)
    expect([t.entryTs, t.exitTs]).toEqual([1, 5])
  })

  it('splits the fee of a fill that flips through zero pro rata', () => {
    const r = new TradeRecorder(() => undefined)
    r.apply(f('AAPL', 'buy', 10, 100, 2, 1))
    r.apply(f('AAPL', 'sell', 25, 120, 5, 2)) // 10 close the long, 15 open a short; fee 2 + 3
    expect(r.trades).toEqual([{symbol: 'AAPL', direction: 'long', qty: 10, entryTs: 1, entryPrice: 100, exitTs: 2, exitPrice: 120,
      pnl: 200 - 4, fees: 4, exitReason: 'signal'}])
    r.apply(f('AAPL', 'buy', 15, 110, 1, 3))
    expect(r.trades[1]).toEqual({symbol: 'AAPL', direction: 'short', qty: 15, entryTs: 2, entryPrice: 120, exitTs: 3, exitPrice: 110,
      pnl: 150 - 4, fees: 4, exitReason: 'signal'})
  })

  it('records hedge legs separately on one symbol', () => {
    const r = new TradeRecorder(() => undefined)
    r.apply(f('BTCUSDT', 'buy', 1, 100, 0, 1, 'l', 'long'))
    r.apply(f('BTCUSDT', 'sell', 1, 101, 0, 2, 's', 'short')) // opens the short leg, does not close the long one
    expect(r.trades).toEqual([])
    r.apply(f('BTCUSDT', 'buy', 1, 95, 0, 3, 's2', 'short'))
    r.apply(f('BTCUSDT', 'sell', 1, 103, 0, 4, 'l2', 'long'))
    expect(r.trades.map((t) => [t.direction, t.entryPrice, t.exitPrice, t.pnl])).toEqual([['short', 101, 95, 6], ['long', 100, 103, 3]])
  })

  it('takes the exit reason from the lookup of the closing order', () => {
    const reasons = new Map([['x1', 'stop_loss'], ['x2', 'take_profit']])
    const r = new TradeRecorder((id) => reasons.get(id))
    r.apply(f('AAPL', 'buy', 1, 100, 0, 1, 'in1'))
    r.apply(f('AAPL', 'sell', 1, 90, 0, 2, 'x1'))
    r.apply(f('AAPL', 'buy', 1, 100, 0, 3, 'in2'))
    r.apply(f('AAPL', 'sell', 1, 120, 0, 4, 'x2'))
    r.apply(f('AAPL', 'buy', 1, 100, 0, 5, 'in3'))
    r.apply(f('AAPL', 'sell', 1, 101, 0, 6, 'unknown'))
    expect(r.trades.map((t) => t.exitReason)).toEqual(['stop_loss', 'take_profit', 'signal'])
  })

  it('closes what is still open at the marks with reason end_of_data, sorted, without an exit fee', () => {
    const r = new TradeRecorder(() => 'signal')
    r.apply(f('MSFT', 'buy', 2, 400, 1, 1))
    r.apply(f('AAPL', 'sell', 3, 100, 1, 2))
    r.apply(f('BINANCE:BTCUSDT', 'buy', 1, 50, 0, 3, 'c', 'long'))
    r.apply(f('MSFT', 'sell', 1, 410, 0.5, 4)) // partial exit before the end
    const marks: Record<string, number> = {MSFT: 420, AAPL: 90, 'BINANCE:BTCUSDT': 60}
    r.closeOpen(9, (s) => marks[s])
    expect(r.trades).toEqual([
      {symbol: 'AAPL', direction: 'short', qty: 3, entryTs: 2, entryPrice: 100, exitTs: 9, exitPrice: 90, pnl: 29, fees: 1, exitReason: 'end_of_data'},
      {symbol: 'BINANCE:BTCUSDT', direction: 'long', qty: 1, entryTs: 3, entryPrice: 50, exitTs: 9, exitPrice: 60, pnl: 10, fees: 0, exitReason: 'end_of_data'},
      {symbol: 'MSFT', direction: 'long', qty: 2, entryTs: 1, entryPrice: 400, exitTs: 9, exitPrice: 415, pnl: 30 - 1.5, fees: 1.5, exitReason: 'end_of_data'},
    ])
    r.closeOpen(10, () => 0)
    expect(r.trades).toHaveLength(3)
  })
})
