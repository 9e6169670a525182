import {describe, expect, it} from 'vitest'
import {UserInputError} from '../core/errors.js'
import {backtestRefusals, checkRefusals, fixFor, REFUSED_EXIT_CODE, RefusedOrdersError, REJECTED_AFTER_ACCEPT} from './refusal-check.js'

const filled = {status: 'filled'}

describe('backtestRefusals', () => {
  it('counts the orders the venue took plus every refusal; later rejections count as refused', () => {
    const c = backtestRefusals({orders: [filled, filled, {status: 'rejected'}], rejections: {position_idx: 4, 'risk:exposure_cap': 1}})
    expect(c.attempted).toBe(3 + 5)
    expect(c.refusedByCode).toEqual({position_idx: 4, 'risk:exposure_cap': 1, [REJECTED_AFTER_ACCEPT]: 1})
  })
})

describe('checkRefusals', () => {
  it('passes a run without orders, and one with at most half refused', () => {
    expect(checkRefusals({attempted: 0, refusedByCode: {}})).toBeUndefined()
    expect(checkRefusals({attempted: 10, refusedByCode: {'risk:order_spacing': 5}})).toBeUndefined()
  })

  it('fails a run with every order refused, naming the code and the position-mode fix', () => {
    const v = checkRefusals(backtestRefusals({orders: [], rejections: {position_idx: 17}}))!
    expect(v).toMatchObject({attempted: 17, refused: 17, code: 'position_idx', count: 17})
    expect(v.line).toBe(`all 17 orders were refused, position_idx: ${fixFor('position_idx')}`)
    expect(v.line).toContain('--position-mode')
    expect(v.line).not.toContain('\n')
  })

  it("quotes the venue's first message for the main code, without the client order id", () => {
    const refused = [
      {request: {clientOrderId: 'sma-1'}, code: 'position_idx', message: 'sma-1: positionSide long is only valid in hedge mode'},
      {request: {clientOrderId: 'sma-2'}, code: 'position_idx', message: 'sma-2: something else'},
    ]
    const v = checkRefusals(backtestRefusals({orders: [], rejections: {position_idx: 2}, refused}))!
    expect(v.line).toMatch(/^all 2 orders were refused, position_idx \("positionSide long is only valid in hedge mode"\): the orders' position side/)
  })

  it('fails past half, naming the most frequent code (ties by name) and its count', () => {
    const v = checkRefusals({attempted: 10, refusedByCode: {'risk:exposure_cap': 3, insufficient_buying_power: 3}})!
    expect(v.code).toBe('insufficient_buying_power')
    expect(v.line).toMatch(/^6 of 10 orders were refused, mostly insufficient_buying_power \(3\): .*--cash/)
  })

  it('points risk refusals at the limit to raise and at --no-risk', () => {
    expect(checkRefusals({attempted: 1, refusedByCode: {'risk:exposure_cap': 1}})!.line).toMatch(/^the only order was refused, risk:exposure_cap: .*risk\.maxExposure.*--no-risk/)
    expect(fixFor('risk:some_new_check')).toMatch(/some_new_check.*--no-risk/)
    expect(fixFor('size_below_minimum')).toContain('--cash')
  })

  it("does not count entries the bot's own trading hours and cooldowns held back as a failure", () => {
    expect(checkRefusals({attempted: 10, refusedByCode: {'risk:schedule': 5, 'risk:cooldown': 3}})).toBeUndefined()
    // The rest still counts, against the orders that were not held back.
    const v = checkRefusals({attempted: 10, refusedByCode: {'risk:schedule': 6, insufficient_buying_power: 3}})!
    expect(v.line).toMatch(/^3 of 4 orders were refused, insufficient_buying_power: /)
    expect(fixFor('risk:schedule')).toMatch(/schedule/)
  })

  it('words the fixes for a paper or live session without backtest flags', () => {
    const v = checkRefusals({attempted: 4, refusedByCode: {insufficient_buying_power: 4}}, 'session')!
    expect(v.line).toContain('fund the account')
    expect(v.line).not.toContain('--cash')
    expect(fixFor('risk:exposure_cap', 'session')).toBe("the exposure cap refuses the entries: raise risk.maxExposure in the fleet file's risk section, or run with --no-risk")
    expect(fixFor('10001', 'session')).toContain('trader journal inspect')
  })
})

describe('RefusedOrdersError', () => {
  it('is a one-line user error with its own exit code', () => {
    const err = new RefusedOrdersError(checkRefusals({attempted: 2, refusedByCode: {lot_size: 2}})!)
    expect(err).toBeInstanceOf(UserInputError)
    expect(err.exitCode).toBe(REFUSED_EXIT_CODE)
    expect(REFUSED_EXIT_CODE).not.toBe(2)
    expect(err.message).toMatch(/^all 2 orders were refused, lot_size: /)
  })
})
