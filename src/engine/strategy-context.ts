/**
 * The one strategy context factory: every mode (backtest, replay, scenario, paper/live, each account of the
 * multi-account run) builds its strategy's context here, through the session wiring (session-wiring.ts).
 */
import {clientOrderId} from '../core/ids.js'
import type {Instrument} from '../core/instrument.js'
import {Rng} from '../core/rng.js'
import type {AccountView} from './account-view.js'
import type {Clock} from '../core/time/clock.js'
import type {EngineLog} from './engine-log.js'
import type {JournalSink} from './journal.js'
import type {Metrics} from './metrics.js'
import type {OrderGateway} from './order-gateway.js'
import type {RecordingBroker} from './recording-broker.js'
import type {Scheduler} from '../core/time/scheduler.js'
import type {StrategyContext} from './strategy.js'

export interface ContextParts {
  readonly clock: Clock
  readonly scheduler: Scheduler
  /** The session seed: the context's rng is derived from it. */
  readonly seed: number
  readonly broker: RecordingBroker
  readonly gateway: OrderGateway
  readonly view: AccountView
  readonly symbols: readonly string[]
  readonly instrument: (symbol: string) => Instrument
  readonly log: EngineLog
  readonly journal: JournalSink
  readonly metrics: Metrics
  readonly stateDir: (dir: string) => string
  /** The scope and epoch client order ids are made in now (they move on with restarts). */
  readonly idScope: () => {readonly scope: string; readonly epoch: number}
}

export function strategyContext(p: ContextParts): StrategyContext {
  return {
    clock: p.clock,
    scheduler: p.scheduler,
    rng: new Rng(p.seed).fork(7),
    broker: p.broker,
    orders: p.gateway,
    account: p.view,
    symbols: p.symbols,
    log: p.log,
    instrument: p.instrument,
    clientOrderId: (key, leg) => clientOrderId({...p.idScope(), key, leg}),
    record: (type, data) => p.journal.append({t: p.clock.now(), type, data}),
    metrics: p.metrics,
    stateDir: p.stateDir,
  }
}
