/** The hedge-mode grid strategy: registry entry and public surface. */
import type {StrategyFactory} from '../../src/engine/strategy.js'
import {GridStrategy} from './grid-strategy.js'
import {type GridParams, GridParamsSchema} from './params.js'
import {GRID_STATE_FILE, GridStateError, GridStateSchema} from './state.js'

export {GridConfigError, type GridInput, type GridNote, type GridOptions, GridStrategy} from './grid-strategy.js'
export {EmergencyMonitor} from './emergency.js'
export {GridMetrics} from './grid-metrics.js'
export {AccountInbox, type TraceEntry} from './inbox.js'
export type {Leg, LegSide, Slot, SymbolGrid} from './model.js'
export {parseGridId, type OrderTag, type Role} from './order-ids.js'
export {type EmergencyLimits, type GridParams, GridParamsSchema} from './params.js'
export {GRID_STATE_FILE, GRID_STATE_RECORD, GridStateError, GridStateFile, type GridStateRecord, GridStateSchema, type StateSink, StateWriter} from './state.js'
export {DEFAULT_CHECKPOINT_EVERY, type GridStateEntry, GridStateEntrySchema, GridStateReader, gridStates, JournalStateSink, lastGridState} from './state-delta.js'

export const grid: StrategyFactory<GridParams> = {
  name: 'grid',
  description: 'Bybit hedge-mode grid on perpetuals: long and short legs, averaging entries a grid step apart, reduce-only take-profits, reopen after a take-profit.',
  params: GridParamsSchema,
  // A grid opens both legs and places its averaging entries and take-profits at one instant, from its first bar.
  riskDefaults: {minOrderSpacingMs: 0, minDataPoints: 0},
  // Linear perpetuals only: a backtest without --symbols picks perpetual data for it.
  assetClasses: ['crypto_perp'],
  // A long and a short leg per symbol: the simulated account runs in hedge mode unless told otherwise (then refused).
  positionMode: 'hedge',
  // One file, replaced atomically (its temp files start with a dot and are never read back).
  stateFiles: (p) => (p.stateDir === undefined ? undefined : {dir: p.stateDir, owns: (name) => name === GRID_STATE_FILE}),
  create: (p, restored) => {
    if (restored === undefined) return new GridStrategy(p)
    const parsed = GridStateSchema.safeParse(restored)
    if (!parsed.success) throw new GridStateError(`grid: the state to restart from is malformed (${parsed.error.issues[0]?.message ?? 'invalid'}); start without it or fix the record`)
    return new GridStrategy(p, {restoreFrom: parsed.data})
  },
}
