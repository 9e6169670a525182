/**
 * POST /v5/position/switch-mode, as Bybit answers it: body {category: 'linear', symbol | coin, mode: 0 (one-way) |
 * 3 (hedge)}. By symbol: 110025 when the symbol already is in that mode; refused while it has a position (110024)
 * or open orders (110028). By coin: every perpetual settled in it that is flat and has no open order switches, the
 * others keep their mode (Bybit's batch rule).
 */
import type {PositionMode} from '../../core/instrument.js'
import {PositionModeSwitchError} from '../core/errors.js'
import type {EmulatedVenue} from '../venue-api.js'
import {BybitRefusal, paramsError} from './ret-codes.js'
import type {Handler, Params} from './rest.js'

export const POSITION_MODE_NOT_MODIFIED = new BybitRefusal(110025, 'Position mode is not modified')

const REFUSALS: Record<PositionModeSwitchError['reason'], BybitRefusal> = {
  position: new BybitRefusal(110024, 'You have an existing position, so position mode cannot be switched'),
  orders: new BybitRefusal(110028, 'Open orders exist, so you cannot change position mode'),
  not_perpetual: paramsError('symbol invalid: only perpetuals have a position mode'),
}

export function positionModeRoutes(venue: EmulatedVenue): Readonly<Record<string, Handler>> {
  return {
    'POST /v5/position/switch-mode': async (p: Params) => {
      if (p.category !== 'linear') throw paramsError(`category ${JSON.stringify(p.category ?? '')} is not served; this emulator serves linear`)
      const mode: PositionMode | undefined = p.mode === 0 ? 'netting' : p.mode === 3 ? 'hedge' : undefined
      if (!mode) throw paramsError('mode must be 0 (merged single, one-way) or 3 (both sides, hedge)')
      const symbol = typeof p.symbol === 'string' && p.symbol !== '' ? p.symbol : undefined
      const coin = typeof p.coin === 'string' && p.coin !== '' ? p.coin : undefined
      if (!symbol && !coin) throw paramsError('symbol or coin is required')
      if (symbol) {
        if (!venue.symbols.includes(symbol)) throw paramsError(`symbol invalid: ${symbol}`)
        if ((await switchOne(venue, symbol, mode)) === 'unchanged') throw POSITION_MODE_NOT_MODIFIED
        return {}
      }
      const settled = venue.symbols.filter((s) => venue.instrument(s).contract === 'linear_perpetual' && venue.instrument(s).quoteCurrency === coin)
      let changed = 0
      for (const s of settled) {
        try {
          if ((await venue.switchPositionMode(s, mode)) === 'switched') changed++
        } catch (err) {
          // A symbol with a position or orders keeps its mode; the rest switch.
          if (!(err instanceof PositionModeSwitchError)) throw err
        }
      }
      if (changed === 0 && settled.every((s) => venue.broker.positionModeOf?.(s) === mode)) throw POSITION_MODE_NOT_MODIFIED
      return {}
    },
  }
}

async function switchOne(venue: EmulatedVenue, symbol: string, mode: PositionMode): Promise<'switched' | 'unchanged'> {
  try {
    return await venue.switchPositionMode(symbol, mode)
  } catch (err) {
    if (err instanceof PositionModeSwitchError) throw REFUSALS[err.reason]
    throw err
  }
}
