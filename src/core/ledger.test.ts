import {describe, expect, it} from 'vitest'
import type {Fill} from './fill.js'
import {defaultInstrument, type Instrument} from './instrument.js'
import {Ledger} from './ledger.js'
import type {PositionSide, Side} from './order.js'
import {Rng} from './rng.js'

const INSTRUMENTS: Record<string, Instrument> = {
  AAPL: defaultInstrument('AAPL', 'us_equity', 'alpaca'),
  MSFT: defaultInstrument('MSFT', 'us_equity', 'alpaca'),
  BTCUSDT: defaultInstrument('BTCUSDT', 'crypto_perp', 'bybit'), // leverage 10, maintenance 0.5 %
}
const instrumentOf = (s: string): Instrument => INSTRUMENTS[s]

let seq = 0
function fill(symbol: string, side: Side, qty: number, price: number, fee: number, positionSide: PositionSide = 'net'): Fill {
  seq++
  return {execId: `e${seq}`, clientOrderId: `c${seq}`, venueOrderId: `v${seq}`, symbol, side, positionSide, qty, price, fee,
    liquidity: 'taker', ts: seq}
}

function marks(m: Record<string, number>): (s: string) => number {
  return (s) => m[s] ?? 0
}

describe('Ledger, cash instruments', () => {
  it('moves cash by the notional and the fee on buy and sell', () => {
    const l = new Ledger(10_000, instrumentOf)
    const e1 = l.applyFill(fill('AAPL', 'buy', 10, 150, 1))
    expect(e1).toEqual({realized: 0, opened: 10, closed: 0})
    expect(l.cash).toBe(10_000 - 1500 - 1)
    expect(l.fees).toBe(1)
    const e2 = l.applyFill(fill('AAPL', 'sell', 4, 160, 0.5))
    expect(e2).toEqual({realized: 40, opened: 0, closed: 4})
    expect(l.cash).toBe(8499 + 640 - 0.5)
    expect(l.realizedPnl).toBe(40)
    expect(l.fees).toBe(1.5)
    expect(l.positions.qty('AAPL')).toBe(6)
  })

  it('values equity, exposure and buying power at the marks', () => {
    const l = new Ledger(10_000, instrumentOf)
    l.applyFill(fill('AAPL', 'buy', 10, 150, 1)) // cash 8499
    l.applyFill(fill('MSFT', 'buy', 5, 400, 1)) // cash 6498
    const at = marks({AAPL: 160, MSFT: 390})
    expect(l.cash).toBe(6498)
    expect(l.equity(at)).toBe(6498 + 1600 + 1950)
    expect(l.grossExposure(at)).toBe(3550)
    expect(l.marginUsed(at)).toBe(0)
    expect(l.maintenanceMargin(at)).toBe(0)
    expect(l.buyingPower(at)).toBe(6498)
    expect(l.buyingPower(at, 500)).toBe(5998)
    expect(l.buyingPower(at, 1e9)).toBe(0)
    // No mark yet: the position is valued at its cost.
    expect(l.equity(marks({}))).toBe(6498 + 1500 + 2000)
    expect(l.snapshot(at, 99, 500)).toEqual({cash: 6498, equity: 10_048, buyingPower: 5998, marginUsed: 0,
      maintenanceMargin: 0, realizedPnl: 0, fees: 2, ts: 99})
  })
})

describe('Ledger, crypto spot balances', () => {
  it('the quote coin is the cash, each base coin the quantity held; stocks and perpetuals have no coin', () => {
    const spot: Record<string, Instrument> = {
      ...INSTRUMENTS,
      BTCUSDT: defaultInstrument('BTCUSDT', 'crypto_spot', 'bybit'),
      ETHUSDT: defaultInstrument('ETHUSDT', 'crypto_spot', 'bybit'),
      SOLPERP: defaultInstrument('SOLPERP', 'crypto_perp', 'bybit'),
    }
    const l = new Ledger(10_000, (s) => spot[s])
    expect(l.balances('USDT')).toEqual({USDT: 10_000})
    l.applyFill(fill('BTCUSDT', 'buy', 0.1, 30_000, 3))
    l.applyFill(fill('ETHUSDT', 'buy', 1, 2_000, 0))
    l.applyFill(fill('ETHUSDT', 'sell', 0.25, 2_100, 0))
    l.applyFill(fill('AAPL', 'buy', 1, 100, 0))
    l.applyFill(fill('SOLPERP', 'buy', 1, 100, 0))
    const b = l.balances('USDT')
    expect(Object.keys(b).sort()).toEqual(['BTC', 'ETH', 'USDT'])
    expect(b.USDT).toBeCloseTo(10_000 - 3_000 - 3 - 2_000 + 525 - 100, 9)
    expect(b.BTC).toBeCloseTo(0.1, 12)
    expect(b.ETH).toBeCloseTo(0.75, 12)
  })
})

describe('Ledger, linear perpetuals', () => {
  it('moves the wallet only by realised PnL and fees, carrying the notional as margin', () => {
    const l = new Ledger(10_000, instrumentOf)
    l.applyFill(fill('BTCUSDT', 'buy', 0.5, 40_000, 12))
    expect(l.cash).toBe(10_000 - 12) // notional 20 000 does not leave the wallet
    const at = marks({BTCUSDT: 42_000})
    expect(l.equity(at)).toBe(9988 + 1000)
    expect(l.marginUsed(at)).toBe(2100) // 0.5 × 42 000 / 10
    expect(l.maintenanceMargin(at)).toBe(105) // 0.5 × 42 000 × 0.005
    expect(l.grossExposure(at)).toBe(21_000)
    expect(l.buyingPower(at)).toBe(8888) // min(cash 9988, equity 10 988 - margin 2100)
    // A loss: free margin is below the wallet.
    const down = marks({BTCUSDT: 38_000})
    expect(l.equity(down)).toBe(9988 - 1000)
    expect(l.marginUsed(down)).toBe(1900)
    expect(l.buyingPower(down)).toBe(8988 - 1900)

    l.applyFill(fill('BTCUSDT', 'sell', 0.2, 41_000, 4))
    expect(l.cash).toBe(9988 + 200 - 4)
    expect(l.realizedPnl).toBe(200)
  })

  it('keeps hedge legs apart: both legs hold margin and their PnL nets in equity', () => {
    const l = new Ledger(5000, instrumentOf)
    l.applyFill(fill('BTCUSDT', 'buy', 0.1, 40_000, 0, 'long'))
    l.applyFill(fill('BTCUSDT', 'sell', 0.1, 40_000, 0, 'short'))
    const at = marks({BTCUSDT: 45_000})
    expect(l.positions.qty('BTCUSDT', 'long')).toBe(0.1)
    expect(l.positions.qty('BTCUSDT', 'short')).toBe(0.1)
    expect(l.equity(at)).toBeCloseTo(5000, 9) // +500 on the long leg, -500 on the short leg
    expect(l.marginUsed(at)).toBeCloseTo(900, 9)
    expect(l.grossExposure(at)).toBeCloseTo(9000, 9)
    l.applyFill(fill('BTCUSDT', 'buy', 0.1, 45_000, 0, 'short')) // close the short leg at a loss
    expect(l.realizedPnl).toBeCloseTo(-500, 9)
    expect(l.cash).toBeCloseTo(4500, 9)
  })
})

describe('Ledger conservation', () => {
  it('a stock round trip ends at cash_start + realised - fees', () => {
    const l = new Ledger(10_000, instrumentOf)
    l.applyFill(fill('AAPL', 'buy', 10, 100, 1))
    l.applyFill(fill('AAPL', 'sell', 10, 110, 1.1))
    expect(l.positions.qty('AAPL')).toBe(0)
    expect(l.realizedPnl).toBe(100)
    expect(l.fees).toBeCloseTo(2.1, 12)
    expect(l.cash).toBeCloseTo(10_000 + 100 - 2.1, 9)
  })

  it('random round trips on stocks and perps, flips included, conserve cash + fees + realised PnL', () => {
    const rng = new Rng(42)
    const l = new Ledger(1_000_000, instrumentOf)
    const symbols = ['AAPL', 'MSFT', 'BTCUSDT']
    for (let i = 0; i < 2000; i++) {
      const symbol = symbols[rng.int(3)]
      const price = Math.round(rng.uniform(50, 150) * 100) / 100
      const qty = 1 + rng.int(20)
      l.applyFill(fill(symbol, rng.next() < 0.5 ? 'buy' : 'sell', qty, price, Math.round(qty * price * 0.0005 * 100) / 100))
    }
    // Close everything at one last price per symbol.
    for (const p of [...l.positions.open()]) {
      l.applyFill(fill(p.symbol, p.qty > 0 ? 'sell' : 'buy', Math.abs(p.qty), 100, 0))
    }
    expect([...l.positions.open()]).toEqual([])
    expect(l.realizedPnl).not.toBe(0)
    expect(l.fees).toBeGreaterThan(0)
    expect(Math.abs(l.cash - (1_000_000 + l.realizedPnl - l.fees))).toBeLessThan(1e-6)
    expect(Math.abs(l.equity(marks({})) - l.cash)).toBe(0)
  })
})

describe('Ledger, running totals at the marks', () => {
  it('equal a full scan after random fills (netting and hedge legs) and mark moves', () => {
    const rng = new Rng(7)
    const l = new Ledger(1_000_000, instrumentOf)
    const symbols = ['AAPL', 'MSFT', 'BTCUSDT']
    const slots = symbols.map((s) => l.slotOf(s))
    const mark: Record<string, number> = {}
    for (let i = 0; i < 5000; i++) {
      const k = rng.int(3)
      const symbol = symbols[k]
      if (rng.next() < 0.6) {
        const price = Math.round(rng.uniform(50, 150) * 100) / 100
        l.setMarkAt(slots[k], price)
        mark[symbol] = price
        continue
      }
      const price = mark[symbol] ?? 100
      const leg: PositionSide = symbol === 'BTCUSDT' ? (rng.next() < 0.5 ? 'long' : 'short') : 'net'
      const held = l.positions.qty(symbol, leg)
      // Hedge legs cannot be reduced below zero: reduce at most what the leg holds.
      const opening = leg === 'net' || held === 0 || rng.next() < 0.5
      const side: Side = leg === 'short' ? (opening ? 'sell' : 'buy') : leg === 'long' ? (opening ? 'buy' : 'sell') : rng.next() < 0.5 ? 'buy' : 'sell'
      const qty = opening ? 1 + rng.int(10) : Math.min(held, 1 + rng.int(10))
      if (qty > 0) l.applyFill(fill(symbol, side, qty, price, 0.1, leg))
      const fast = l.atMarks()
      const full = l.scan((s) => l.markOf(s))
      expect(fast.equity).toBeCloseTo(full.equity, 6)
      expect(fast.margin).toBeCloseTo(full.margin, 6)
      expect(fast.maintenance).toBeCloseTo(full.maintenance, 6)
      expect(fast.gross).toBeCloseTo(full.gross, 6)
    }
    expect(l.positions.qty('BTCUSDT', 'long') + l.positions.qty('BTCUSDT', 'short')).toBeGreaterThan(0)
  })
})
