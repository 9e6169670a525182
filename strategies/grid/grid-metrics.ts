/** The grid's metrics (GRID-11), registered on the engine's registry so the operations layer can serve them. */
import type {Counter, Gauge, Histogram, Metrics} from '../../src/engine/metrics.js'

export type BalanceContext = 'entry' | 'averaging' | 'reopen'

export class GridMetrics {
  /** Venue time of the closing fill → the grid processing the close. */
  readonly tpCloseLatency: Histogram
  /** Venue time of the closing fill → the reopen order reaching the venue. */
  readonly reopenLatency: Histogram
  readonly cycles: Counter
  readonly orphans: Counter
  readonly resyncLoops: Counter
  readonly restores: Counter
  readonly syncs: Counter
  readonly adoptions: Counter
  readonly balanceCalls: Counter
  readonly recalculations: Counter
  readonly refClears: Counter
  readonly emergencyStops: Counter
  readonly failedTp: Counter
  readonly errors: Counter
  readonly maxLevel: Gauge
  readonly maxMargin: Gauge
  readonly stopped: Gauge
  private readonly checks = new Map<string, Counter>()
  private readonly insufficient = new Map<string, Counter>()

  constructor(private readonly m: Metrics) {
    this.tpCloseLatency = m.histogram('grid_tp_close_latency_ms', 'Venue time of the take-profit (closing) fill to the grid processing the close, ms')
    this.reopenLatency = m.histogram('grid_tp_reopen_latency_ms', 'Venue time of the take-profit fill to the reopen order reaching the venue, ms')
    this.cycles = m.counter('grid_tp_cycles_total', 'Legs closed (take-profit cycles)')
    this.orphans = m.counter('grid_orphan_orders_total', 'Grid orders found open on the venue that the grid no longer owned, cancelled')
    this.resyncLoops = m.counter('grid_resync_loops_total', 'Restores started again because events arrived during a restore')
    this.restores = m.counter('grid_restores_total', 'Restores of the grid model from the venue (start, reconnect)')
    this.syncs = m.counter('grid_syncs_total', 'Periodic syncs with the venue')
    this.adoptions = m.counter('grid_sync_adoptions_total', 'Venue states adopted by a sync because local state differed')
    this.balanceCalls = m.counter('grid_balance_api_calls_total', 'Balance / margin queries sent to the venue')
    this.recalculations = m.counter('grid_pending_recalculations_total', 'Pending entries replaced after a large price move')
    this.refClears = m.counter('grid_reference_qty_clears_total', 'Reference quantity tables cleared (both legs flat)')
    this.emergencyStops = m.counter('grid_emergency_stops_total', 'Emergency stops')
    this.failedTp = m.counter('grid_tp_failures_total', 'Take-profit placements that failed')
    this.errors = m.counter('grid_handler_errors_total', 'Inputs whose handling threw (logged, the grid carries on)')
    this.maxLevel = m.gauge('grid_max_level', 'Deepest grid level reached (0 = the opening level)')
    this.maxMargin = m.gauge('grid_max_margin_used', 'Largest margin tied up by the grid legs, quote currency')
    this.stopped = m.gauge('grid_emergency_stop_active', '1 while an emergency stop is active')
  }

  balanceCheck(context: BalanceContext): Counter {
    return this.cached(this.checks, context, () => this.m.counter('grid_balance_checks_total', 'Balance checks, by the operation that needed margin', {context}))
  }

  balanceInsufficient(context: BalanceContext): Counter {
    return this.cached(this.insufficient, context, () => this.m.counter('grid_balance_insufficient_total', 'Operations skipped for lack of margin', {context}))
  }

  private cached(map: Map<string, Counter>, key: string, make: () => Counter): Counter {
    let c = map.get(key)
    if (!c) {
      c = make()
      map.set(key, c)
    }
    return c
  }
}
