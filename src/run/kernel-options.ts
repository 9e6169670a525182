/**
 * What every run mode passes, unchanged, from its entry point down to the session wiring: backtest and scenario
 * (backtest.ts → session-runner.ts), replay, paper/live (live/live-session.ts) and each account of the
 * multi-account run. One type, spread through the layers, instead of each layer re-declaring and copying fields.
 */
import type {EngineLog} from '../engine/engine-log.js'
import type {MetricsRegistry} from '../engine/metrics.js'
import type {StartState} from '../run/start-state.js'
import type {Strategy} from '../engine/strategy.js'
import type {KillSwitch, RiskLimits} from '../risk/risk-engine.js'
import type {AuditTrail} from '../risk/audit-trail.js'

export interface SessionRisk {
  readonly limits: Partial<RiskLimits>
  readonly kill?: KillSwitch
  /** Called when the kill switch trips, to persist it (e.g. `<state>/<account>.risk.json`). */
  readonly onKill?: (kill: KillSwitch) => void
  /** Cooldowns running at the start (symbol → end), e.g. from `<state>/<account>.cooldowns.json`. */
  readonly cooldowns?: Readonly<Record<string, number>>
  /** Called when a cooldown starts, with every cooldown still running, to persist them. */
  readonly onCooldown?: (active: Record<string, number>) => void
}

export interface KernelOptions {
  readonly strategy: Strategy
  readonly log?: EngineLog
  readonly metrics?: MetricsRegistry
  /**
   * Pre-trade risk: every order passes the risk engine before the port, and the kill switch watches equity at
   * every bar instant. Off when absent. `kill` is the persisted kill-switch state to start from.
   */
  readonly risk?: SessionRisk
  /**
   * The audit trail (RISK-04): every order and fill written as it happens; while it cannot be written, new entries
   * are refused before the port (`audit_unavailable`), exits still go out, and the write is retried each instant.
   */
  readonly audit?: AuditTrail
  /** Where the strategy's state directories are on disk (StrategyContext.stateDir); a replay's scratch copy. */
  readonly stateDir?: (dir: string) => string
  /** Written right after the header (type `start_state`): the state files and kill switch the run starts from. */
  readonly startState?: StartState
}
