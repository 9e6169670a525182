/** The grid's parts on their own: the account queue, the emergency monitor, the state writer, prices and ids. */
import {describe, expect, it} from 'vitest'
import {defaultInstrument} from '../../src/core/instrument.js'
import {EmergencyMonitor} from './emergency.js'
import {AccountInbox} from './inbox.js'
import {entryPrice, levelForSize, newLeg, qtyFor, tpPrice} from './model.js'
import {idKey, idLeg, parseGridId} from './order-ids.js'
import {EmergencyLimitsSchema, GridParamsSchema} from './params.js'
import {type GridStateRecord, GridStateError, StateWriter} from './state.js'
import {lastGridState} from './state-delta.js'
import {makeSlot} from './slots.js'

describe('account inbox', () => {
  const make = () => {
    let now = 0
    const applied: string[] = []
    const settles: number[] = []
    const inbox = new AccountInbox<{label: string}>(
      () => now,
      (i) => applied.push(i.label),
      () => settles.push(applied.length),
      () => {},
      {trace: true},
    )
    return {inbox, applied, settles, at: (t: number) => void (now = t)}
  }

  it('applies inputs in arrival order and decides after each batch', () => {
    const {inbox, applied, settles} = make()
    inbox.push({label: 'a'})
    inbox.push({label: 'b'})
    expect(applied).toEqual(['a', 'b'])
    expect(settles).toEqual([1, 2])
  })

  it('holds inputs while paused and applies them in order on resume, with one decision after them all', () => {
    const {inbox, applied, settles, at} = make()
    inbox.pause()
    at(5)
    inbox.push({label: 'x'})
    inbox.push({label: 'y'})
    expect(applied).toEqual([])
    expect(inbox.waiting).toBe(2)
    at(9)
    inbox.runExclusive(() => applied.push('restore'))
    inbox.resume()
    expect(applied).toEqual(['restore', 'x', 'y'])
    expect(settles).toEqual([3])
    expect(inbox.trace!.map((e) => [e.label, e.arrivedAt, e.appliedAt])).toEqual([
      ['x', 5, 9],
      ['y', 5, 9],
    ])
  })

  it('an input pushed while one is applied waits its turn (no re-entrance), and a throwing input does not stop the queue', () => {
    const order: string[] = []
    const errors: string[] = []
    const inbox: AccountInbox<{label: string}> = new AccountInbox<{label: string}>(
      () => 0,
      (i) => {
        order.push(`start ${i.label}`)
        if (i.label === 'a') inbox.push({label: 'nested'})
        if (i.label === 'boom') throw new Error('bad input')
        order.push(`end ${i.label}`)
      },
      () => {},
      (err) => errors.push(String(err)),
    )
    inbox.push({label: 'a'})
    inbox.push({label: 'boom'})
    inbox.push({label: 'c'})
    expect(order).toEqual(['start a', 'end a', 'start nested', 'end nested', 'start boom', 'start c', 'end c'])
    expect(errors).toEqual(['Error: bad input'])
  })
})

describe('emergency monitor', () => {
  const limits = EmergencyLimitsSchema.parse({})
  const HOUR = 3_600_000

  it('trips on a loss over the limit against the first equity it saw', () => {
    const m = new EmergencyMonitor(limits)
    expect(m.checkEquity(10_000, 0)).toBeUndefined()
    expect(m.checkEquity(9_500, 1)).toBeUndefined() // exactly 5 %: not over
    expect(m.checkEquity(9_499, 2)).toMatch(/^loss 5\.01 %/)
    expect(m.active).toBe(true)
  })

  it('trips on the sixth disconnect within an hour, not on six spread over more', () => {
    const spread = new EmergencyMonitor(limits)
    for (let k = 0; k < 6; k++) expect(spread.disconnected(k * 15 * 60_000)).toBeUndefined()
    const m = new EmergencyMonitor(limits)
    for (let k = 0; k < 5; k++) expect(m.disconnected(k * 60_000)).toBeUndefined()
    expect(m.disconnected(HOUR - 1)).toBe('6 event-stream disconnects within an hour (limit 5)')
  })

  it('trips on the third failed take-profit in a row; a placed one resets the count', () => {
    const m = new EmergencyMonitor(limits)
    m.tpFailed(0)
    m.tpFailed(1)
    m.tpPlaced()
    m.tpFailed(2)
    m.tpFailed(3)
    expect(m.active).toBe(false)
    expect(m.tpFailed(4)).toBe('3 take-profit placements failed in a row (limit 2)')
  })

  it('repeated stops: after more than 3 stops within an hour the clear is refused until the hour has passed', () => {
    const m = new EmergencyMonitor(limits)
    for (let k = 0; k < 3; k++) {
      m.trip(`stop ${k}`, k * 60_000)
      expect(m.clear(k * 60_000 + 1)).toEqual({ok: true})
    }
    m.trip('stop 3', 4 * 60_000)
    const refused = m.clear(5 * 60_000)
    expect(refused).toEqual({ok: false, reason: 'repeated emergency stops: 4 within an hour (limit 3); wait or investigate before clearing'})
    expect(m.active).toBe(true)
    expect(m.clear(HOUR + 1)).toEqual({ok: true})
  })

  it('round-trips through its record (what a restart loads)', () => {
    const m = new EmergencyMonitor(limits)
    m.checkEquity(10_000, 0)
    m.trip('manual', 5)
    const again = new EmergencyMonitor(limits)
    again.load(m.toRecord())
    expect(again.toRecord()).toEqual(m.toRecord())
    expect(again.active).toBe(true)
  })
})

describe('state writer', () => {
  // Each record differs from the others (the order number), as the writer skips one that changed only in time.
  const rec = (t: number, nextOrderNo = t): GridStateRecord => ({v: 1, t, nextOrderNo, emergency: {active: false, reason: null, since: null, stops: [], disconnects: [], failedTpInRow: 0, baselineEquity: null}, grids: []})

  it('writes at once to a synchronous sink', () => {
    const got: number[] = []
    const w = new StateWriter({write: (r) => void got.push(r.t)}, () => {})
    w.save(rec(1))
    w.save(rec(2))
    expect(got).toEqual([1, 2])
    expect(w.lastWritten?.t).toBe(2)
  })

  it('with a slow sink: one write at a time, in order, folding the records that waited into the newest', async () => {
    const started: number[] = []
    const resolvers: (() => void)[] = []
    const w = new StateWriter({write: (r) => (started.push(r.t), new Promise<void>((res) => resolvers.push(res)))}, () => {})
    w.save(rec(1))
    w.save(rec(2))
    w.save(rec(3))
    expect(started).toEqual([1])
    resolvers.shift()!()
    await new Promise((r) => setImmediate(r))
    expect(started).toEqual([1, 3])
    resolvers.shift()!()
    await new Promise((r) => setImmediate(r))
    expect(w.lastWritten?.t).toBe(3)
    expect(w.offered).toBe(3)
    expect(w.writes).toBe(2)
  })

  it('a failing write leaves the previous record and reports the error', () => {
    const errors: unknown[] = []
    let n = 0
    const w = new StateWriter({write: () => void (++n === 2 && (() => {
      throw new Error('disk full')
    })())}, (e) => errors.push(e))
    w.save(rec(1))
    w.save(rec(2))
    expect(w.lastWritten?.t).toBe(1)
    expect(errors).toHaveLength(1)
    w.save(rec(3))
    expect(w.lastWritten?.t).toBe(3)
  })

  it('writes nothing when only the time changed', () => {
    const got: number[] = []
    const w = new StateWriter({write: (r) => void got.push(r.t)}, () => {})
    w.save(rec(1, 5))
    w.save(rec(2, 5))
    w.save(rec(3, 6))
    w.save(rec(4, 6))
    expect(got).toEqual([1, 3])
    expect(w.lastWritten?.t).toBe(3)
    expect({offered: w.offered, writes: w.writes, unchanged: w.unchanged}).toEqual({offered: 4, writes: 2, unchanged: 2})
  })

  it('reads the last record of a journal back, refusing a malformed one with a clear error', () => {
    expect(lastGridState([{t: 1, type: 'grid_state', data: rec(1)}, {t: 2, type: 'event', data: {}}])?.t).toBe(1)
    expect(lastGridState([])).toBeUndefined()
    expect(() => lastGridState([{t: 3, type: 'grid_state', data: {v: 1}}])).toThrow(GridStateError)
  })
})

describe('prices, quantities and ids', () => {
  const inst = defaultInstrument('BTCUSDT', 'crypto_perp', 'bybit')

  it('take-profits and entries sit on the tick grid, never nearer than asked', () => {
    const long = {...newLeg('long'), avg: 20_133.33}
    const short = {...newLeg('short'), avg: 20_133.33}
    expect(tpPrice(long, 0.5, 0.1)).toBe(20_234) // 20 233.997 up to the tick
    expect(tpPrice(short, 0.5, 0.1)).toBe(20_032.6)
    expect(entryPrice('long', 20_000, 1, 0.1)).toBe(19_800)
    expect(entryPrice('short', 20_000.05, 1, 0.1)).toBe(20_200.1)
  })

  it('sizes to the lot, never below the minimum; a restart guesses the level from the size', () => {
    expect(qtyFor(1000, 22_000, inst)).toBe(0.045)
    expect(qtyFor(1, 22_000, inst)).toBe(0.001)
    expect(levelForSize(0.15, [0.05, 0.1, 0.2])).toBe(1)
    expect(levelForSize(0.06, [0.05, 0.1, 0.2])).toBe(0)
    expect(levelForSize(0.35, [0.05, 0.1, 0.2])).toBe(2)
  })

  it('client order ids carry symbol, number, leg, role and level, and parse back', () => {
    const id = `grid-${idKey('BTCUSDT', 17)}-${idLeg('short', 'e', 2)}-3`
    expect(id).toBe('grid-BTCUSDT_17-S_e2-3')
    expect(parseGridId(id)).toEqual({symbol: 'BTCUSDT', n: 17, side: 'short', role: 'e', level: 2})
    expect(parseGridId('sma-x-b-1')).toBeUndefined()
    expect(idKey('BTC-PERP', 1)).toBe('BTC_PERP_1')
  })

  it('parameters are validated with a clear path', () => {
    expect(GridParamsSchema.safeParse({gridStepPct: 0}).success).toBe(false)
    expect(GridParamsSchema.safeParse({reopen: 'sometimes'}).success).toBe(false)
    expect(GridParamsSchema.safeParse({bogus: 1}).success).toBe(false)
    expect(GridParamsSchema.parse({})).toMatchObject({syncIntervalMs: 60_000, recalcPct: 5, reopen: 'closed', emergency: {maxLossPct: 5}})
  })

  it('every slot is made by one factory: fills, venue id, versions and back-offs start empty unless adopted', () => {
    const base = {cid: 'grid-BTCUSDT_1-L_e1-1', role: 'e', side: 'long', level: 1, qty: 0.1, price: 100, status: 'checking', createdAt: 5, placedAtMarket: 101, cycle: 0} as const
    expect(makeSlot(base)).toEqual({...base, filledQty: 0, avgFillPrice: 0, forVersion: -Infinity, venueOrderId: undefined, cancelReason: undefined, notBefore: -Infinity})
    expect(makeSlot({...base, status: 'open', filledQty: 0.05, avgFillPrice: 99, venueOrderId: 'v1'})).toMatchObject({filledQty: 0.05, avgFillPrice: 99, venueOrderId: 'v1'})
    expect(Object.keys(makeSlot(base))).toEqual(['cid', 'role', 'side', 'level', 'qty', 'price', 'status', 'filledQty', 'avgFillPrice', 'createdAt', 'placedAtMarket', 'cycle', 'forVersion', 'venueOrderId', 'cancelReason', 'notBefore'])
  })
})
