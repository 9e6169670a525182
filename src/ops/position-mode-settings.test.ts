/** The position-mode setting of live and paper sessions: the flag, the fleet account, and their checks. */
import {describe, expect, it} from 'vitest'
import {UserInputError} from '../core/errors.js'
import {validateFleet} from '../config/fleet-config.js'
import {parsePositionModeFlag} from '../config/position-mode-flag.js'
import {sessionOptionsFrom, type SessionFlagValues} from './session-flags.js'

const fleet = (account: Record<string, unknown>, strategy = 'grid') => ({
  accounts: [{id: 'by', venue: 'bybit', mode: 'paper', keys: {keyEnv: 'K', secretEnv: 'S'}, ...account}],
  bots: [{id: 'b1', account: 'by', strategy, symbols: ['BTCUSDT']}],
})

const flags = (over: Partial<SessionFlagValues>): SessionFlagValues => ({venue: 'bybit', strategy: 'sma-cross', symbols: 'BTCUSDT', seed: 1, risk: true, 'time-scale': '1', ...over})
const rest = {logger: undefined as never, say: () => {}, env: {}}

describe('--position-mode', () => {
  it('takes one-way, hedge, or modes per symbol; anything else is one line naming the forms', () => {
    expect(parsePositionModeFlag('one-way')).toBe('one-way')
    expect(parsePositionModeFlag(' hedge ')).toBe('hedge')
    expect(parsePositionModeFlag('btcusdt=hedge, ETHUSDT=one-way')).toEqual({BTCUSDT: 'hedge', ETHUSDT: 'one-way'})
    for (const bad of ['netting', 'BTCUSDT=both', 'hedge,one-way']) {
      expect(() => parsePositionModeFlag(bad)).toThrow(UserInputError)
      expect(() => parsePositionModeFlag(bad)).toThrow(`--position-mode '${bad}' is not understood; use one-way, hedge, or per symbol e.g. BTCUSDT=hedge,ETHUSDT=one-way`)
    }
  })

  it('paper / live: the flag wins over the fleet account; Alpaca has none', () => {
    expect(sessionOptionsFrom('paper', flags({}), rest).positionMode).toBeUndefined()
    expect(sessionOptionsFrom('paper', flags({'position-mode': 'hedge'}), rest).positionMode).toBe('hedge')
    const fromFleet = {venue: 'bybit' as const, account: 'by', strategy: 'grid', params: {}, symbols: ['BTCUSDT'], timeframe: '1m', riskOverrides: {}, roots: {}, env: {}, positionMode: {BTCUSDT: 'hedge' as const}}
    expect(sessionOptionsFrom('paper', flags({venue: undefined, strategy: undefined, symbols: undefined}), rest, fromFleet).positionMode).toEqual({BTCUSDT: 'hedge'})
    expect(sessionOptionsFrom('paper', flags({'position-mode': 'one-way'}), rest, fromFleet).positionMode).toBe('one-way')
    expect(() => sessionOptionsFrom('paper', flags({venue: 'alpaca', 'position-mode': 'hedge'}), rest)).toThrow(/--position-mode applies to bybit \(perpetuals\) only/)
  })
})

describe('fleet account positionMode', () => {
  it('accepts a mode or modes per symbol on a Bybit account', () => {
    expect(validateFleet(fleet({positionMode: 'hedge'})).fleet?.accounts[0].positionMode).toBe('hedge')
    expect(validateFleet(fleet({positionMode: {BTCUSDT: 'hedge'}})).fleet?.accounts[0].positionMode).toEqual({BTCUSDT: 'hedge'})
    expect(validateFleet(fleet({}, 'sma-cross')).issues).toEqual([])
  })

  it('names the account, the field and the fix for a wrong value, an Alpaca account, and a grid on one-way', () => {
    const text = (f: unknown) => validateFleet(f).issues.map((i) => `${i.where}: ${i.message}`)
    expect(text(fleet({positionMode: 'both'}))).toEqual(["account 'by' field 'positionMode': position mode must be 'one-way' or 'hedge', or one per symbol such as {BTCUSDT: 'hedge'}"])
    expect(text({...fleet({}), accounts: [{id: 'by', venue: 'alpaca', mode: 'paper', keys: {keyEnv: 'K', secretEnv: 'S'}, positionMode: 'hedge'}]})).toContain(
      "account 'by' field 'positionMode': Alpaca nets positions; positionMode applies to bybit accounts only — remove it",
    )
    expect(text(fleet({positionMode: 'one-way'}))).toEqual([
      "bot 'b1' field 'strategy': grid needs hedge mode, but account 'by' has positionMode: one-way; set positionMode: hedge on the account (or leave it out)",
    ])
  })
})
