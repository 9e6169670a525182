/** The order gateway with its pre-trade pipeline: amends journaled and checked like submits, cancels never refused. */
import {describe, expect, it} from 'vitest'
import {defaultInstrument} from '../../src/core/instrument.js'
import type {OrderRequest} from '../../src/core/order.js'
import {OrderRejectedError} from '../../src/broker/errors.js'
import type {AmendRequest, BrokerPort, OrderRef} from '../../src/broker/port.js'
import {AuditTrail, type AuditFile} from '../../src/risk/audit-trail.js'
import {MarketTracker} from '../../src/risk/market-tracker.js'
import {RiskEngine, type RiskLimits} from '../../src/risk/risk-engine.js'
import {RiskGuard} from '../../src/risk/risk-guard.js'
import {AccountView} from '../../src/engine/account-view.js'
import {VirtualClock} from '../../src/core/time/clock.js'
import {Journal} from '../../src/engine/journal.js'
import {AMEND_INTENT, OrderGateway, PreTradeRefusedError} from '../../src/engine/order-gateway.js'
import {composePreTrade, ShutdownGate} from '../../src/run/pre-trade-stages.js'
import {RecordingBroker} from '../../src/engine/recording-broker.js'

const MIN = 60_000

/** A venue that takes every request at once (an amend it refuses when told to). */
function fakeVenue(refuseAmend = false): BrokerPort & {amends: {ref: OrderRef; changes: AmendRequest}[]; cancels: OrderRef[]} {
  let n = 0
  const amends: {ref: OrderRef; changes: AmendRequest}[] = []
  const cancels: OrderRef[] = []
  return {
    venue: 'sim',
    positionMode: 'netting',
    amends,
    cancels,
    instrument: (s) => defaultInstrument(s, 'us_equity', 'alpaca'),
    submitOrder: async (r) => ({clientOrderId: r.clientOrderId, venueOrderId: `v${++n}`, ts: 0}),
    cancelOrder: async (ref) => void cancels.push(ref),
    amendOrder: async (ref, changes) => {
      if (refuseAmend) throw new OrderRejectedError('amend refused', 'sim', 'amend_refused')
      amends.push({ref, changes})
    },
    getOrder: async () => undefined,
    openOrders: async () => [],
    positions: async () => [],
    account: async () => ({cash: 0, equity: 0, buyingPower: 0, marginUsed: 0, maintenanceMargin: 0, realizedPnl: 0, fees: 0, ts: 0}),
    executionsSince: async () => [],
    subscribe: () => () => {},
  }
}

function setup(opts: {limits?: Partial<RiskLimits>; frozen?: boolean; audit?: boolean; auditDown?: boolean; shutdown?: boolean; refuseAmend?: boolean} = {}) {
  const clock = new VirtualClock(100 * MIN)
  const view = new AccountView(100_000)
  const market = new MarketTracker(['SPY'])
  for (let i = 0; i < 30; i++) market.onBar(0, 70 * MIN + i * MIN, 100)
  const journal = new Journal({keep: true})
  const venue = fakeVenue(opts.refuseAmend)
  const broker = new RecordingBroker(venue, journal, clock)
  const kill = opts.frozen ? {engaged: true, reason: 'test', peakEquity: 0} : undefined
  const risk = opts.limits ? new RiskGuard(new RiskEngine({minOrderSpacingMs: 0, ...opts.limits}, kill), view, market, clock, (s) => defaultInstrument(s, 'us_equity', 'alpaca')) : undefined
  const lines: {file: AuditFile; text: string}[] = []
  const writer = {
    append: (file: AuditFile, text: string): void => {
      if (opts.auditDown) throw new Error('disk full')
      lines.push({file, text})
    },
  }
  const audit = opts.audit ? new AuditTrail({dir: 'mem', writer}) : undefined
  const shutdown = opts.shutdown ? new ShutdownGate() : undefined
  const gateway = new OrderGateway(broker, view, clock, journal, composePreTrade({view, clock, shutdown, audit, risk}))
  const types = (): string[] => journal.records.map((r) => (r.type === 'request' || r.type === 'response' ? `${r.type}:${(r.data as {op: string}).op}` : r.type))
  return {clock, view, journal, venue, gateway, lines, shutdown, types}
}

const buy = (id: string, qty: number, limitPrice = 100): OrderRequest => ({clientOrderId: id, symbol: 'SPY', side: 'buy', type: 'limit', qty, limitPrice, tif: 'day'})

describe('OrderGateway.amend', () => {
  it('journals amend_intent before the request leaves, and resolves with the venue', async () => {
    const {gateway, types, journal, venue} = setup()
    expect((await gateway.submit(buy('a', 10))).ok).toBe(true)
    const calls = gateway.calls
    await gateway.amend({clientOrderId: 'a'}, {limitPrice: 99})
    expect(gateway.calls).toBe(calls + 1)
    expect(types()).toEqual(['intent', 'request:submit', 'response:submit', AMEND_INTENT, 'request:amend', 'response:amend'])
    expect(journal.records.find((r) => r.type === AMEND_INTENT)!.data).toEqual({ref: {clientOrderId: 'a'}, changes: {limitPrice: 99}})
    expect(venue.amends).toEqual([{ref: {clientOrderId: 'a'}, changes: {limitPrice: 99}}])
  })

  it("rejects with the venue's own error when the venue refuses the amend (its intent is journaled all the same)", async () => {
    const {gateway, types} = setup({refuseAmend: true})
    await gateway.submit(buy('a', 10))
    await expect(gateway.amend({clientOrderId: 'a'}, {qty: 5})).rejects.toBeInstanceOf(OrderRejectedError)
    expect(types().slice(3)).toEqual([AMEND_INTENT, 'request:amend', 'response:amend'])
  })

  it('risk-checks an amend that adds exposure like an entry of the added size; one that adds none passes', async () => {
    // Exposure cap 1.2 % of 100,000 equity: 10 × 100 working is within it; 15 × 100 is not.
    const {gateway, types, venue, journal} = setup({limits: {maxExposure: 0.012, minDataPoints: 0}})
    expect((await gateway.submit(buy('a', 10))).ok).toBe(true)
    const refused = gateway.amend({clientOrderId: 'a'}, {qty: 15})
    await expect(refused).rejects.toBeInstanceOf(PreTradeRefusedError)
    await expect(refused).rejects.toMatchObject({code: 'risk:exposure_cap'})
    // Refused before the venue: journaled with its reason, no intent, nothing sent.
    expect(types().slice(3)).toEqual(['risk_rejected'])
    expect(journal.records.at(-1)!.data).toMatchObject({clientOrderId: 'a', symbol: 'SPY', code: 'exposure_cap', amend: {qty: 15}})
    expect(gateway.rejections.get('risk:exposure_cap')).toBe(1)
    expect(venue.amends).toEqual([])
    // An increase within the cap (the order's 10 already count as working exposure: 11 adds 100) passes.
    await gateway.amend({clientOrderId: 'a'}, {qty: 11})
    // Smaller, or re-priced lower: adds nothing, passes whatever the limits.
    await gateway.amend({clientOrderId: 'a'}, {qty: 5, limitPrice: 90})
    expect(venue.amends.map((a) => a.changes)).toEqual([{qty: 11}, {qty: 5, limitPrice: 90}])
  })

  it('an amend adds no order: a full book of open orders does not refuse it', async () => {
    const {gateway, venue} = setup({limits: {maxOpenOrders: 1, minDataPoints: 0}})
    expect((await gateway.submit(buy('a', 10))).ok).toBe(true)
    expect(await gateway.submit(buy('b', 10))).toMatchObject({ok: false, code: 'risk:max_open_orders'})
    await gateway.amend({clientOrderId: 'a'}, {qty: 12})
    expect(venue.amends).toHaveLength(1)
  })

  it('an amend of an order the engine does not track goes to the venue unchecked (it answers for it)', async () => {
    const {gateway, venue, types} = setup({limits: {maxPositionPerSymbol: 1, minDataPoints: 0}})
    await gateway.amend({venueOrderId: 'x9'}, {qty: 1_000})
    expect(venue.amends).toHaveLength(1)
    expect(types()).toEqual([AMEND_INTENT, 'request:amend', 'response:amend'])
  })
})

describe('the pre-trade pipeline in the gateway', () => {
  it('runs shutdown, audit, risk in that order, once, for submits and amends alike', async () => {
    const {gateway, lines, shutdown, venue} = setup({limits: {maxExposure: 0.012, minDataPoints: 0}, audit: true, shutdown: true})
    expect((await gateway.submit(buy('a', 10))).ok).toBe(true)
    expect(await gateway.submit(buy('b', 100))).toMatchObject({ok: false, code: 'risk:exposure_cap'})
    await gateway.amend({clientOrderId: 'a'}, {qty: 11})
    await expect(gateway.amend({clientOrderId: 'a'}, {qty: 50})).rejects.toMatchObject({code: 'risk:exposure_cap'})
    // The audit trail: the intent, the risk refusal, the amend that adds exposure, its refusal (the amended order).
    expect(lines.map((l) => l.text.split(',').slice(2, 4).concat(l.text.split(',')[9]).join(' '))).toEqual([
      'intent a 10', 'refused b 100', 'amend a 11', 'refused a 50',
    ])
    // Shutting down: nothing that adds exposure leaves, and nothing is written for it; a smaller amend and a cancel do.
    shutdown!.closing = true
    expect(await gateway.submit(buy('c', 1))).toMatchObject({ok: false, code: 'risk:shutting_down'})
    await expect(gateway.amend({clientOrderId: 'a'}, {qty: 12})).rejects.toMatchObject({code: 'risk:shutting_down'})
    await gateway.amend({clientOrderId: 'a'}, {qty: 3})
    expect(await gateway.cancel({clientOrderId: 'a'})).toBe(true)
    expect(lines).toHaveLength(4)
    expect(venue.amends.map((a) => a.changes.qty)).toEqual([11, 3])
    expect(venue.cancels).toEqual([{clientOrderId: 'a'}])
  })

  it('a cancel is never refused: not by a frozen kill switch, not by an audit trail that cannot be written', async () => {
    const {gateway, venue, journal} = setup({limits: {killPolicy: 'freeze', minDataPoints: 0}, frozen: true, audit: true, auditDown: true})
    // The kill switch is frozen and the trail is down: no submit passes (an untracked order's amend is the venue's).
    expect((await gateway.submit(buy('a', 10))).ok).toBe(false)
    expect(await gateway.cancel({clientOrderId: 'z'})).toBe(true)
    expect(venue.cancels).toEqual([{clientOrderId: 'z'}])
    expect(journal.records.filter((r) => r.type === 'cancel_intent')).toHaveLength(1)
  })
})
