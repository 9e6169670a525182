/** Perpetual funding: who pays whom, at which mark, and how the simulated venue books and reports it. */
import {describe, expect, it} from 'vitest'
import type {BrokerEvent} from '../core/events.js'
import type {Fill} from '../core/fill.js'
import {defaultInstrument} from '../core/instrument.js'
import type {PositionSide, Side} from '../core/order.js'
import {EventLoop} from '../engine/event-loop.js'
import {SimulatedExchange} from './exchange.js'
import {type FundedPosition, fundingAmount, fundingCoverageNotes, fundingPayments, fundingSchedule, fundingTotals} from './funding.js'
import {profileFor} from './venue-profile.js'

const H = 3_600_000
const T0 = Date.UTC(2022, 11, 13)

const net = (qty: number, avgPrice = 100): FundedPosition => ({symbol: 'BTCUSDT', side: 'net', qty, avgPrice})
const leg = (side: 'long' | 'short', qty: number, avgPrice = 100): FundedPosition => ({symbol: 'BTCUSDT', side, qty, avgPrice})

describe('funding amounts', () => {
  it('longs pay a positive rate and shorts receive it; a negative rate reverses both', () => {
    // value = 2 × 20 000 = 40 000; 0.0001 of it is 4.
    expect(fundingAmount(net(2), 20_000, 0.0001)).toBeCloseTo(-4, 12)
    expect(fundingAmount(net(-2), 20_000, 0.0001)).toBeCloseTo(4, 12)
    expect(fundingAmount(net(2), 20_000, -0.0001)).toBeCloseTo(4, 12)
    expect(fundingAmount(net(-2), 20_000, -0.0001)).toBeCloseTo(-4, 12)
  })

  it('hedge legs settle each on its own side, the short leg by its size', () => {
    const paid = fundingPayments([leg('long', 1), leg('short', 0.4)], 'BTCUSDT', 10_000, 0.0003, T0)
    expect(paid.map((p) => [p.positionSide, p.qty, p.markPrice, p.rate])).toEqual([
      ['long', 1, 10_000, 0.0003],
      ['short', 0.4, 10_000, 0.0003],
    ])
    expect(paid[0].amount).toBeCloseTo(-3, 12)
    expect(paid[1].amount).toBeCloseTo(1.2, 12)
    const totals = fundingTotals(paid)
    expect(totals.received).toBeCloseTo(1.2, 12)
    expect(totals.paid).toBeCloseTo(3, 12)
    expect(totals.total).toBeCloseTo(-1.8, 12)
    expect(totals.bySymbol.BTCUSDT).toBe(totals.total)
  })

  it('no open position, another symbol or a zero rate means no payment (and never −0)', () => {
    expect(fundingPayments([], 'BTCUSDT', 10_000, 0.0001, T0)).toEqual([])
    expect(fundingPayments([net(0), leg('long', 0), leg('short', 0)], 'BTCUSDT', 10_000, 0.0001, T0)).toEqual([])
    expect(fundingPayments([{...net(1), symbol: 'ETHUSDT'}], 'BTCUSDT', 10_000, 0.0001, T0)).toEqual([])
    expect(Object.is(fundingAmount(net(-1), 10_000, 0), 0)).toBe(true)
  })

  it('a position without a mark yet is valued at its average price', () => {
    expect(fundingPayments([net(1, 250)], 'BTCUSDT', 0, 0.01, T0)[0]).toMatchObject({markPrice: 250, amount: -2.5})
  })
})

describe('funding schedule and coverage', () => {
  it('checks every rate, keeps the listed symbols and orders them by time then symbol', () => {
    const rates = [
      {symbol: 'ETHUSDT', ts: T0 + 8 * H, rate: 0.0001},
      {symbol: 'BTCUSDT', ts: T0 + 8 * H, rate: -0.0002},
      {symbol: 'BTCUSDT', ts: T0, rate: 0.0001},
      {symbol: 'SPY', ts: T0, rate: 0.0001},
    ]
    expect(fundingSchedule(rates, (s) => s !== 'SPY').map((r) => `${r.symbol}@${(r.ts - T0) / H}`)).toEqual(['BTCUSDT@0', 'BTCUSDT@8', 'ETHUSDT@8'])
    expect(() => fundingSchedule([{symbol: 'BTCUSDT', ts: T0, rate: Number.NaN}], () => true)).toThrow(/funding rate 0 .*rate/)
    expect(() => fundingSchedule([{symbol: 'BTCUSDT', ts: T0, rate: 0.5}], () => true)).toThrow(/rate/)
    expect(() => fundingSchedule([{symbol: 'BTCUSDT', ts: T0 + 0.5, rate: 0}], () => true)).toThrow(/ts/)
  })

  it('notes a perpetual without rates in its period, or with rates covering only part of it', () => {
    const rates = [0, 8, 16].map((h) => ({symbol: 'BTCUSDT', ts: T0 + h * H, rate: 0.0001}))
    expect(fundingCoverageNotes(['BTCUSDT'], rates, T0, T0 + 12 * H)).toEqual([])
    const [none] = fundingCoverageNotes(['ETHUSDT', 'BTCUSDT'], rates, T0, T0 + 12 * H)
    expect(none).toMatch(/^no funding rates for ETHUSDT between 2022-12-13T00:00:00Z and 2022-12-13T12:00:00Z: funding was not charged; import/)
    const [partial] = fundingCoverageNotes(['BTCUSDT'], rates, T0, T0 + 72 * H)
    expect(partial).toMatch(/^funding rates for BTCUSDT cover only 2022-12-13T00:00:00Z to 2022-12-13T16:00:00Z/)
  })
})

/** A Bybit-like venue on its own loop, positions booked straight into its ledger (the matching is not under test). */
function venue(funding: readonly {symbol: string; ts: number; rate: number}[], start = T0) {
  const loop = new EventLoop(start)
  const instruments = [defaultInstrument('BTCUSDT', 'crypto_perp', 'bybit'), defaultInstrument('ETHUSDT', 'crypto_perp', 'bybit')]
  const ex = new SimulatedExchange({loop, profile: profileFor('bybit'), instruments, config: {initialCash: 10_000, latency: {fixedMs: 5, jitterMs: 0}}, funding})
  const events: {at: number; event: BrokerEvent}[] = []
  ex.subscribe((event) => events.push({at: loop.clock.now(), event}))
  let n = 0
  const hold = (symbol: string, side: Side, positionSide: PositionSide, qty: number, price: number): void => {
    const fill: Fill = {execId: `x${++n}`, clientOrderId: `c${n}`, venueOrderId: `v${n}`, symbol, side, positionSide, qty, price, fee: 0, liquidity: 'taker', ts: loop.clock.now()}
    ex.ledger.applyFill(fill)
    ex.setMark(instruments.findIndex((i) => i.symbol === symbol), price)
  }
  const runTo = async (t: number): Promise<void> => {
    await loop.runUntil(t)
    loop.clock.advanceTo(t)
  }
  return {loop, ex, events, hold, runTo}
}

describe('the simulated venue settles funding at each funding time', () => {
  it('charges a long at the mark of that instant, books it apart in the ledger and reports the account', async () => {
    const v = venue([{symbol: 'BTCUSDT', ts: T0 + 8 * H, rate: 0.0001}, {symbol: 'ETHUSDT', ts: T0 + 8 * H, rate: 0.0005}])
    v.hold('BTCUSDT', 'buy', 'net', 0.5, 20_000)
    await v.runTo(T0 + 7 * H)
    v.ex.setMark(0, 21_000) // the mark at the funding time, not the entry price
    await v.runTo(T0 + 8 * H)
    const charge = -0.5 * 21_000 * 0.0001
    expect(v.ex.fundingPayments).toEqual([{ts: T0 + 8 * H, symbol: 'BTCUSDT', positionSide: 'net', qty: 0.5, markPrice: 21_000, rate: 0.0001, amount: charge}])
    expect(v.ex.ledger.cash).toBeCloseTo(10_000 + charge, 9)
    expect(v.ex.ledger.funding).toBeCloseTo(charge, 12)
    expect([...v.ex.ledger.fundingBySymbol]).toEqual([['BTCUSDT', charge]])
    expect(v.ex.ledger.realizedPnl).toBe(0)
    // Equity moves by the payment only: unrealised PnL at 21 000 is 500.
    expect(v.ex.ledger.atMarks().equity).toBeCloseTo(10_000 + 500 + charge, 9)
    // ETHUSDT had no position: nothing paid. The account event arrives after the account channel's latency.
    await v.runTo(T0 + 8 * H + 10)
    const accounts = v.events.filter((e) => e.event.kind === 'account')
    expect(accounts).toHaveLength(1)
    expect(accounts[0].at).toBe(T0 + 8 * H + 5)
    expect(accounts[0].event).toMatchObject({kind: 'account', ts: T0 + 8 * H, account: {cash: 10_000 + charge}})
    // A later mark does not change a payment made.
    v.ex.setMark(0, 30_000)
    await v.runTo(T0 + 9 * H)
    expect(v.ex.fundingPayments[0].amount).toBe(charge)
  })

  it('pays a short a positive rate and charges it a negative one', async () => {
    const v = venue([{symbol: 'BTCUSDT', ts: T0 + H, rate: 0.0002}, {symbol: 'BTCUSDT', ts: T0 + 2 * H, rate: -0.0003}])
    v.hold('BTCUSDT', 'sell', 'net', 2, 10_000)
    await v.runTo(T0 + 3 * H)
    expect(v.ex.fundingPayments.map((p) => [p.positionSide, p.amount])).toEqual([
      ['net', 2 * 10_000 * 0.0002],
      ['net', -2 * 10_000 * 0.0003],
    ])
    expect(v.ex.ledger.cash).toBeCloseTo(10_000 + 4 - 6, 9)
  })

  it('settles each hedge leg on its own side', async () => {
    const v = venue([{symbol: 'BTCUSDT', ts: T0 + H, rate: -0.00022398}])
    v.hold('BTCUSDT', 'buy', 'long', 0.3, 17_000)
    v.hold('BTCUSDT', 'sell', 'short', 0.1, 17_100)
    await v.runTo(T0 + H)
    const [long, short] = v.ex.fundingPayments
    // Negative rate: the long leg receives, the short leg pays; both at the one mark (the last price, 17 100).
    expect(long).toMatchObject({positionSide: 'long', qty: 0.3, markPrice: 17_100})
    expect(short).toMatchObject({positionSide: 'short', qty: 0.1, markPrice: 17_100})
    expect(long.amount).toBeCloseTo(0.3 * 17_100 * 0.00022398, 12)
    expect(short.amount).toBeCloseTo(-0.1 * 17_100 * 0.00022398, 12)
    expect(v.ex.ledger.funding).toBeCloseTo(long.amount + short.amount, 12)
  })

  it('without a position nothing is paid and nothing is reported; rates before the venue started are not settled', async () => {
    const v = venue([{symbol: 'BTCUSDT', ts: T0 - H, rate: 0.0001}, {symbol: 'BTCUSDT', ts: T0 + H, rate: 0.0001}])
    await v.runTo(T0 + 2 * H)
    expect(v.ex.fundingPayments).toEqual([])
    expect(v.events).toEqual([])
    expect(v.ex.ledger.cash).toBe(10_000)
    // A position opened afterwards does not pick up the earlier (pre-start) rate either.
    v.hold('BTCUSDT', 'buy', 'net', 1, 100)
    await v.runTo(T0 + 10 * H)
    expect(v.ex.fundingPayments).toEqual([])
  })
})
