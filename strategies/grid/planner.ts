/**
 * Decisions → intents: given a symbol's legs, slots and mark, what to open, place, amend or cancel. Each intent
 * goes to the order desk (orders.ts); nothing here waits for an answer — answers come back through the queue and
 * the next decision pass sees their effect in the model.
 */
import {QTY_EPS} from '../../src/core/quantity.js'
import {floorToStep} from '../../src/core/instrument.js'
import type {BalanceContext} from './grid-metrics.js'
import type {PlannerPolicy} from './hooks.js'
import {closingSide, entryPrice, type Leg, openingSide, qtyFor, SIDES, type Slot, type SymbolGrid, tpPrice} from './model.js'
import type {Role} from './order-ids.js'
import {errorText, type GridRuntime} from './runtime.js'

export class Planner implements PlannerPolicy {
  /**
   * An averaging entry whose balance check passed and whose order the budget then refused: its retry is the same
   * operation (GRID-06: one check per operation) and goes out without a second check until `until`. Checking
   * again at every reset spent the budget the order (and the sync) needed (simtest seeds 38062, 38989). Openings
   * and reopens keep their check: skipping it there broke other seeds (23193, 28375, 37926; not yet understood).
   */
  private readonly marginChecked = new Map<Leg, {readonly key: string; readonly until: number}>()

  constructor(private readonly rt: GridRuntime) {}

  reconcile(g: SymbolGrid): void {
    if (!(g.mark > 0)) return
    const rt = this.rt
    const now = rt.now()
    if (rt.emergency.active) {
      this.cancelEntries(g, 'emergency stop')
      return
    }
    if (g.phase === 'idle') {
      const {long, short} = g.legs
      if (long.size === 0 && short.size === 0 && !long.opening && !short.opening) long.wantOpen = short.wantOpen = true
      g.phase = 'running'
    }
    if (g.phase === 'cycling') {
      if (rt.hooks.planner.cancelPendingForCycle(g)) return
      g.phase = 'running'
      rt.note('cycle_clear', {symbol: g.symbol, cycle: g.cycle})
    }
    const toOpen: Leg[] = []
    for (const s of SIDES) {
      const leg = g.legs[s]
      if (leg.size === 0 && leg.wantOpen && !leg.opening && now >= leg.blockedUntil) toOpen.push(leg)
    }
    if (toOpen.length > 0) this.openLegs(g, toOpen)
    for (const s of SIDES) {
      const leg = g.legs[s]
      if (leg.size > 0) {
        rt.hooks.planner.ensureTp(g, leg)
        this.ensureEntry(g, leg)
      } else if (leg.tp && leg.tp.status === 'open') {
        rt.parts.orders.cancelSlot(g, leg, leg.tp, 'leg flat')
      }
    }
  }

  cancelEntries(g: SymbolGrid, reason: string): void {
    for (const s of SIDES) {
      const e = g.legs[s].entry
      if (e && e.status === 'open') this.rt.parts.orders.cancelSlot(g, g.legs[s], e, reason)
    }
  }

  /**
   * GRID-01: after a close, every pending entry on BOTH legs is cancelled; returns true while any is still live
   * (the reopen waits for the venue to confirm each cancel).
   */
  cancelPendingForCycle(g: SymbolGrid): boolean {
    let waiting = false
    for (const s of SIDES) {
      const leg = g.legs[s]
      const e = leg.entry
      if (!e) continue
      waiting = true
      if (e.status === 'open') this.rt.parts.orders.cancelSlot(g, leg, e, `cycle ${g.cycle}`)
    }
    return waiting
  }

  /** Opens (or reopens) flat legs at the market: one balance check for the operation. */
  private openLegs(g: SymbolGrid, legs: Leg[]): void {
    const rt = this.rt
    const {slots, orders} = rt.parts
    const context: BalanceContext = legs.every((l) => l.closedAt === undefined && l.level < 0 && g.cycle === 0) ? 'entry' : 'reopen'
    const qty = this.refQty(g, 0)
    const required = (legs.length * qty * g.mark) / g.inst.leverage
    const role: Role = context === 'entry' ? 'o' : 'r'
    const opened = legs.map((leg) => {
      const slot = slots.newSlot(g, leg, role, 0, qty, 0, 'checking')
      leg.opening = slot
      return slot
    })
    const checked = legs.map((l) => this.checkedBefore(l, role, 0)).every(Boolean)
    const check = (then: (ok: boolean, retryAt?: number) => void): void => (checked ? then(true) : rt.hooks.planner.balanceCheck(context, g, `${legs.map((l) => l.side).join(' + ')} ${qty} at ~${g.mark}`, required, then))
    check((ok, retryAt) => {
      const now = rt.now()
      legs.forEach((leg, i) => {
        const slot = opened[i]
        if (slot.status !== 'checking') return
        if (!ok || rt.emergency.active || leg.size > 0 || g.phase === 'cycling') {
          slots.slotEnded(g, leg, slot, 'abandoned')
          if (!ok) rt.block(leg, retryAt ?? now + rt.params.syncIntervalMs)
          return
        }
        orders.send(g, leg, slot, {clientOrderId: slot.cid, symbol: g.symbol, side: openingSide(leg.side), type: 'market', qty: slot.qty, tif: 'gtc', positionSide: leg.side}, context === 'entry' ? 'grid_open' : 'grid_reopen')
      })
    })
  }

  ensureTp(g: SymbolGrid, leg: Leg): void {
    const rt = this.rt
    const now = rt.now()
    const price = tpPrice(leg, rt.params.tpPct, g.inst.tickSize)
    const tp = leg.tp
    if (!tp) {
      // The last take-profit filled and the position report saying what is left has not arrived yet.
      if (now < leg.tpBlockedUntil || leg.version < leg.tpFilledAt || rt.parts.sync.isRechecking(leg)) return
      const slot = rt.parts.slots.newSlot(g, leg, 't', Math.max(0, leg.level), leg.size, price, 'sending')
      slot.forVersion = leg.version
      leg.tp = slot
      rt.parts.orders.send(g, leg, slot, {clientOrderId: slot.cid, symbol: g.symbol, side: closingSide(leg.side), type: 'limit', qty: slot.qty, limitPrice: price, tif: 'gtc', reduceOnly: true, positionSide: leg.side}, 'take_profit')
      return
    }
    if (tp.status !== 'open' || leg.version <= tp.forVersion || now < tp.notBefore) return
    const qty = floorToStep(tp.filledQty + leg.size, g.inst.lotSize)
    if (tp.price === price && Math.abs(tp.qty - qty) < QTY_EPS) {
      tp.forVersion = leg.version
      return
    }
    rt.parts.orders.amendTp(g, leg, tp, qty, price)
  }

  private ensureEntry(g: SymbolGrid, leg: Leg): void {
    const rt = this.rt
    const e = leg.entry
    if (e) {
      if (e.status === 'open' && rt.hooks.planner.shouldRecalculate(g, e)) this.recalculate(g, leg, e)
      return
    }
    const now = rt.now()
    if (leg.opening || leg.level < 0 || leg.level >= rt.params.maxLevels || now < leg.blockedUntil) return
    const anchor = leg.recalcAnchor !== undefined ? g.mark : leg.lastEntryPrice
    if (!(anchor > 0)) return
    const level = leg.level + 1
    const price = entryPrice(leg.side, anchor, rt.params.gridStepPct, g.inst.tickSize)
    const qty = this.refQty(g, level)
    const {slots, orders} = rt.parts
    const slot = slots.newSlot(g, leg, 'e', level, qty, price, 'checking')
    leg.entry = slot
    const checked = this.checkedBefore(leg, 'e', level)
    const check = (then: (ok: boolean, retryAt?: number) => void): void => (checked ? then(true) : rt.hooks.planner.balanceCheck('averaging', g, `${leg.side} level ${level}: ${qty} at ${price}`, (qty * price) / g.inst.leverage, then))
    check((ok, retryAt) => {
      if (slot.status !== 'checking') return
      if (!ok) {
        slots.slotEnded(g, leg, slot, 'abandoned')
        rt.block(leg, retryAt ?? rt.now() + rt.params.syncIntervalMs)
        return
      }
      if (rt.emergency.active || g.cycle !== slot.cycle || g.phase === 'cycling' || leg.size === 0) {
        slots.slotEnded(g, leg, slot, 'abandoned')
        return
      }
      orders.send(g, leg, slot, {clientOrderId: slot.cid, symbol: g.symbol, side: openingSide(leg.side), type: 'limit', qty, limitPrice: price, tif: 'gtc', positionSide: leg.side}, 'grid_entry')
    })
  }

  /** GRID-07: the market moved more than recalcPct from where the pending entry was placed. */
  shouldRecalculate(g: SymbolGrid, e: Slot): boolean {
    return e.placedAtMarket > 0 && (Math.abs(g.mark - e.placedAtMarket) / e.placedAtMarket) * 100 > this.rt.params.recalcPct
  }

  private recalculate(g: SymbolGrid, leg: Leg, e: Slot): void {
    const move = (Math.abs(g.mark - e.placedAtMarket) / e.placedAtMarket) * 100
    this.rt.metrics.recalculations.inc()
    this.rt.ctx.log.info(`grid: ${g.symbol} ${leg.side} entry level ${e.level} at ${e.price} was placed with the market at ${e.placedAtMarket}; the market (${g.mark}) moved ${move.toFixed(2)} %: recalculating near the market`)
    this.rt.note('recalculate', {symbol: g.symbol, side: leg.side, level: e.level, from: e.price, mark: g.mark, move})
    leg.recalcAnchor = g.mark
    this.rt.parts.orders.cancelSlot(g, leg, e, 'recalculate')
  }

  /** Reference quantity of a level: fixed at first use (at the market then), until both legs are flat. */
  private refQty(g: SymbolGrid, level: number): number {
    let q = g.refs[level]
    if (!(q > 0)) {
      q = qtyFor(this.rt.params.baseNotional * this.rt.params.multiplier ** level, g.mark, g.inst)
      while (g.refs.length < level) g.refs.push(NaN)
      g.refs[level] = q
      this.rt.dirty = true
      this.rt.note('ref_set', {symbol: g.symbol, level, qty: q, mark: g.mark})
    }
    return q
  }

  /**
   * GRID-06: one balance / margin query per operation, logged with its context; an operation that does not fit
   * is skipped with one clear line.
   */
  balanceCheck(context: BalanceContext, g: SymbolGrid, detail: string, required: number, then: (ok: boolean, retryAt?: number) => void): void {
    const rt = this.rt
    rt.metrics.balanceCalls.inc()
    rt.metrics.balanceCheck(context).inc()
    const quote = g.inst.quoteCurrency
    rt.call(
      `balance:${context}`,
      rt.ctx.broker.account(),
      (acct) => {
        const available = acct.buyingPower
        const line = {context, symbol: g.symbol, detail, required, available}
        rt.ctx.record('grid_balance_check', {...line, ok: available + QTY_EPS >= required})
        if (available + QTY_EPS < required) {
          rt.metrics.balanceInsufficient(context).inc()
          rt.ctx.log.warn(`grid: insufficient margin for ${context} ${g.symbol} ${detail}: need ${required.toFixed(2)} ${quote}, available ${available.toFixed(2)} ${quote}; skipped`, line)
          then(false)
          return
        }
        rt.ctx.log.info(`grid: balance check for ${context} ${g.symbol} ${detail}: need ${required.toFixed(2)} of ${available.toFixed(2)} ${quote} available`, line)
        then(true)
      },
      (err) => {
        const retryAt = rt.retryAfter(err)
        rt.ctx.log.warn(`grid: balance check for ${context} ${g.symbol} ${detail} failed (${errorText(err)}); skipped, tried again at ${retryAt}`)
        then(false, retryAt)
      },
    )
  }

  /** A passed balance check of this placement (role and level) stands for its retry until `until`. */
  keepCheck(leg: Leg, role: Role, level: number, until: number): void {
    this.marginChecked.set(leg, {key: `${role}${level}`, until})
  }

  /** Checks kept for a retry (footprint). */
  get keptChecks(): number {
    return this.marginChecked.size
  }

  /** Whether a passed balance check of this placement (role and level) still stands for its retry; used once. */
  private checkedBefore(leg: Leg, role: Role, level: number): boolean {
    const c = this.marginChecked.get(leg)
    if (!c) return false
    this.marginChecked.delete(leg)
    return c.key === `${role}${level}` && this.rt.now() <= c.until
  }
}
