/**
 * The grid's state record (GRID-02): what it holds, where it goes (a state file with stateDir, else the run
 * journal as checkpoints and compact deltas, or a sink given by a test), and loading one back. A received
 * execution counts in the record before its position report arrives (`unreported`).
 */
import {QTY_EPS} from '../../src/core/quantity.js'
import type {Fill} from '../../src/core/fill.js'
import {roundToStep} from '../../src/core/instrument.js'
import type {StrategyContext} from '../../src/engine/strategy.js'
import type {EmergencyMonitor} from './emergency.js'
import type {PersistencePolicy} from './hooks.js'
import {type Leg, openingSide, type Slot, type SymbolGrid} from './model.js'
import {parseGridId, type Role} from './order-ids.js'
import {type GridRuntime} from './runtime.js'
import {makeSlot} from './slots.js'
import {GRID_STATE_RECORD, GridStateFile, type GridStateRecord, type StateSink, StateWriter} from './state.js'
import {JournalStateSink} from './state-delta.js'

export class GridPersistence implements PersistencePolicy {
  writer: StateWriter | undefined
  /**
   * Executions received that no applied position report of their leg covers yet (the report travels on its own
   * channel and may come later). The persisted record includes them, so a stop — or a restore holding the queue —
   * between an execution and its position report does not leave a received fill out of the state.
   */
  readonly unreported = new Map<Leg, Fill[]>()

  constructor(private readonly rt: GridRuntime, private readonly sink: StateSink | undefined) {}

  /**
   * Sets up the writer at start. With stateDir the records (emergency flag included) replace one file atomically,
   * and a start recovers from it; on disk where the session keeps that directory (a replay: its own copy); records
   * name it as the parameters do. Returns that file, if any.
   */
  open(ctx: StrategyContext): GridStateFile | undefined {
    const {stateDir: dir, stateCheckpointEvery} = this.rt.params
    const file = dir !== undefined ? new GridStateFile(ctx.stateDir?.(dir) ?? dir) : undefined
    const journal = (): StateSink => new JournalStateSink((e) => ctx.record(GRID_STATE_RECORD, e), stateCheckpointEvery)
    this.writer = new StateWriter(this.sink ?? file ?? journal(), (err) =>
      ctx.log.error('grid: state write failed; the previous record stays the latest and the next change writes the whole state again', {error: String(err)}),
    )
    return file
  }

  /** Takes the whole state as one record and hands it to the writer in the same synchronous step. */
  persist(): void {
    if (this.rt.dead || !this.writer) return
    this.writer.save(this.rt.hooks.persistence.stateRecord())
  }

  stateRecord(): GridStateRecord {
    const rt = this.rt
    const slotRec = (s: Slot | undefined) => (s && s.status !== 'checking' && s.status !== 'done' ? {cid: s.cid, level: s.level, qty: s.qty, price: s.price, placedAtMarket: s.placedAtMarket, cycle: s.cycle} : null)
    return {
      v: 1,
      t: rt.now(),
      nextOrderNo: rt.parts.slots.nextOrderNo,
      emergency: emergencyRecord(rt.emergency),
      grids: rt.grids.map((g) => ({
        symbol: g.symbol,
        phase: g.phase,
        cycle: g.cycle,
        refs: g.refs.map((q) => (q > 0 ? q : null)),
        legs: [g.legs.long, g.legs.short].map((l) => ({side: l.side, ...this.persistedSize(g, l), level: l.level, lastEntryPrice: l.lastEntryPrice, wantOpen: l.wantOpen, opening: slotRec(l.opening), tp: slotRec(l.tp), entry: slotRec(l.entry)})) as GridStateRecord['grids'][number]['legs'],
      })),
    }
  }

  /** A grid leg's execution that no applied position report covers yet (its venue time is after the leg's version). */
  noteExecution(f: Fill): void {
    const g = this.rt.bySymbol.get(f.symbol)
    if (!g || (f.positionSide !== 'long' && f.positionSide !== 'short')) return
    const leg = g.legs[f.positionSide]
    if (f.ts <= leg.version) return
    const list = this.unreported.get(leg) ?? []
    if (list.some((x) => x.execId === f.execId)) return
    list.push(f)
    // Position reports (or the periodic sync) cover them within seconds; the bound only guards a venue that sends none.
    if (list.length > 1000) list.shift()
    this.unreported.set(leg, list)
  }

  dropUnreported(leg: Leg, upTo: number): void {
    const list = this.unreported.get(leg)
    if (!list) return
    const left = list.filter((f) => f.ts > upTo)
    if (left.length > 0) this.unreported.set(leg, left)
    else this.unreported.delete(leg)
  }

  /**
   * The leg's size and average as persisted: its last applied position report plus the executions received since
   * (the list holds only those: a report that moves the leg's version drops the executions it covers).
   */
  private persistedSize(g: SymbolGrid, leg: Leg): {size: number; avg: number} {
    const pending = this.unreported.get(leg)
    if (!pending) return {size: leg.size, avg: leg.avg}
    let size = leg.size
    let avg = leg.avg
    for (const f of pending) {
      if (f.side === openingSide(leg.side)) {
        avg = (size * avg + f.qty * f.price) / (size + f.qty)
        size += f.qty
      } else {
        size = Math.max(0, size - f.qty)
        if (size < QTY_EPS) avg = 0
      }
    }
    size = roundToStep(size, g.inst.lotSize)
    return {size, avg: size > 0 ? avg : 0}
  }

  load(r: GridStateRecord): void {
    const rt = this.rt
    const slots = rt.parts.slots
    slots.nextOrderNo = Math.max(slots.nextOrderNo, r.nextOrderNo)
    rt.emergency.load(r.emergency)
    for (const gr of r.grids) {
      const g = rt.bySymbol.get(gr.symbol)
      if (!g) continue
      g.phase = gr.phase
      g.cycle = gr.cycle
      g.refs = gr.refs.map((q) => q ?? NaN)
      for (const lr of gr.legs) {
        const leg = g.legs[lr.side]
        leg.size = lr.size
        leg.avg = lr.avg
        leg.level = lr.level
        leg.lastEntryPrice = lr.lastEntryPrice
        leg.wantOpen = lr.wantOpen
        const roles: [Role, typeof lr.tp][] = [['t', lr.tp], ['e', lr.entry], [lr.opening && parseGridId(lr.opening.cid)?.role === 'r' ? 'r' : 'o', lr.opening]]
        for (const [role, sr] of roles) {
          if (!sr) continue
          // Believed live: the restore checks each against the venue.
          slots.install(g, leg, makeSlot({cid: sr.cid, role, side: leg.side, level: sr.level, qty: sr.qty, price: sr.price, status: 'open', createdAt: r.t, placedAtMarket: sr.placedAtMarket, cycle: sr.cycle}))
        }
      }
    }
  }
}

function emergencyRecord(m: EmergencyMonitor): GridStateRecord['emergency'] {
  const r = m.toRecord()
  return {...r, stops: [...r.stops], disconnects: [...r.disconnects]}
}
