/** The emulator's serve flags (the session's --position-mode is in src/ops/position-mode-settings.test.ts). */
import {describe, expect, it} from 'vitest'
import {parseServeFlags} from './serve-flags.js'

describe('--position-mode', () => {
  it('one-way unless told, per symbol possible', () => {
    expect(parseServeFlags({venue: 'bybit'}, {}).sim.positionMode).toBeUndefined()
    expect(parseServeFlags({venue: 'bybit', 'position-mode': 'hedge'}, {}).sim.positionMode).toBe('hedge')
    expect(parseServeFlags({venue: 'bybit', 'position-mode': 'BTCUSDT=hedge'}, {}).sim.positionMode).toEqual({BTCUSDT: 'hedge'})
    expect(() => parseServeFlags({venue: 'alpaca', 'position-mode': 'hedge'}, {})).toThrow(/applies to --venue bybit only/)
  })
})
