/**
 * Bybit's position-mode switch (POST /v5/position/switch-mode; bybit-api's `switchPositionMode`): body
 * {category, symbol | coin, mode: 0 one-way ("merged single") | 3 hedge ("both sides")}. retCode 110025 ("position
 * mode not modified") means the symbol already is in that mode. Bybit refuses a switch while the symbol has a
 * position or open orders.
 */
import type {PositionMode} from '../../core/instrument.js'
import {FinalError} from '../../broker/errors.js'

export const SWITCH_MODE_ENDPOINT = 'POST /v5/position/switch-mode'
export const POSITION_MODE_NOT_MODIFIED = 110025

export function switchModeParams(category: string, symbol: string, mode: PositionMode): Record<string, unknown> {
  return {category, symbol, mode: mode === 'hedge' ? 3 : 0}
}

/** A mode the session needs that the account cannot be switched to (one line: what, why, the fix). */
export class PositionModeSwitchRefused extends FinalError {
  override name = 'PositionModeSwitchRefused'
}

export function switchRefused(symbol: string, mode: PositionMode, venueSays: string): PositionModeSwitchRefused {
  const name = mode === 'hedge' ? 'hedge' : 'one-way'
  const other = mode === 'hedge' ? 'one-way' : 'hedge'
  return new PositionModeSwitchRefused(
    `bybit: cannot switch ${symbol} to ${name} mode (${venueSays}); close its position and cancel its orders on Bybit, or run the session with positionMode: ${other}`,
    'bybit',
    'position_mode',
  )
}
