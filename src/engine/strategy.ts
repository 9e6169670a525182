/**
 * The strategy interface. A strategy sees bars, venue events and timers, and acts through the order gateway;
 * it never knows whether the venue behind the port is simulated or live.
 */
import type {z} from 'zod'
import type {BrokerEvent} from '../core/events.js'
import type {AssetClass, Instrument, PositionModeName} from '../core/instrument.js'
import type {Bar} from '../core/market-data.js'
import type {Rng} from '../core/rng.js'
import type {BrokerPort} from '../broker/port.js'
import type {AccountView} from './account-view.js'
import type {Clock} from '../core/time/clock.js'
import type {EngineLog} from './engine-log.js'
import type {Metrics} from './metrics.js'
import type {OrderGateway} from './order-gateway.js'
import type {Scheduler} from '../core/time/scheduler.js'

export interface StrategyContext {
  readonly clock: Clock
  readonly scheduler: Scheduler
  /** Seeded: the only randomness a strategy may use. */
  readonly rng: Rng
  /** Raw port, for queries (open orders, positions, account). Orders go through `orders`. */
  readonly broker: BrokerPort
  readonly orders: OrderGateway
  readonly account: AccountView
  readonly symbols: readonly string[]
  readonly log: EngineLog
  instrument(symbol: string): Instrument
  /** Deterministic client order id for (key, leg), unique per run epoch. */
  clientOrderId(key: string, leg: string): string
  /** Records a decision (with its inputs) in the run journal. */
  record(type: string, data: unknown): void
  /** Counters and histograms the session exposes (the operations layer serves them); absent in bare contexts. */
  readonly metrics?: Metrics
  /**
   * Where a state directory the parameters name is on disk in this run: the directory itself, or a replay's private
   * copy of it (a replay never opens an account's live state). Records name the directory as the parameters do.
   */
  stateDir?(dir: string): string
}

/** The files a strategy keeps in its state directory: what a session records at its start, and a replay copies. */
export interface StateFilesSpec {
  /** The directory as the parameters name it. */
  readonly dir: string
  /** True for a file (plain name, no path) the strategy reads or writes there. */
  owns(name: string): boolean
}

/** One line of a strategy's own figures in the backtest report (TP cycles, levels used, ...). */
export interface StrategyFigure {
  readonly label: string
  readonly value: string | number
}

export interface Strategy {
  readonly name: string
  start?(ctx: StrategyContext): void | Promise<void>
  /**
   * One closed bar. The object is reused for the next bar: copy what you keep. Called when the bar has
   * closed (the clock reads the bar's end). Returning a promise makes the engine wait for it.
   */
  onBar?(bar: Bar): void | Promise<void>
  /** Every venue event, after the engine's account view has applied it. */
  onEvent?(event: BrokerEvent): void | Promise<void>
  stop?(): void | Promise<void>
  /**
   * Ends the instance as a crash would (a simulated `kill -9` in process): no final write, and no timer, input or
   * later answer of it acts afterwards. Strategies without one cannot be crashed in process (see crashAt).
   */
  dispose?(): void
  /** Figures of the strategy's own, shown in the report after the run (optional). */
  figures?(): readonly StrategyFigure[]
  /**
   * The state a restarted instance needs (plain data), taken just before `stop()` on an in-process restart and
   * handed to `StrategyFactory.create` (ALP-02). Strategies without one restart empty.
   */
  snapshot?(): unknown
}

/** How the CLI finds, describes, validates and builds a strategy. */
export interface StrategyFactory<P = unknown> {
  readonly name: string
  readonly description: string
  readonly params: z.ZodType<P>
  /** `restored`: a previous instance's `snapshot()` (a restart); the factory validates it before use. */
  create(params: P, restored?: unknown): Strategy
  /**
   * Risk limits this strategy needs instead of the product defaults (a grid places several orders at one
   * instant, so it cannot live with a 1 s global order spacing). Config and fleet overrides still win.
   */
  readonly riskDefaults?: Readonly<Record<string, unknown>>
  /**
   * The asset classes the strategy can trade (the grid: perpetuals only); any when absent. A backtest without
   * --symbols picks its symbols from a venue whose data is of these classes.
   */
  readonly assetClasses?: readonly AssetClass[]
  /**
   * The position mode the strategy needs on perpetuals (the grid: 'hedge', a long and a short leg per symbol). A
   * backtest without an explicit mode runs the simulated account in it; an explicit other mode is refused.
   */
  readonly positionMode?: PositionModeName
  /** The strategy's durable state on disk with these parameters (none: it keeps no files). */
  stateFiles?(params: P): StateFilesSpec | undefined
}
