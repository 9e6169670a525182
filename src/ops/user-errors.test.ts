import {describe, expect, it} from 'vitest'
import {ConfigError, DataError, isUserFacing, UserInputError} from '../core/errors.js'
import {NoDataError, InvalidBarError} from '../data/errors.js'
import {JournalCorruptError, NotAJournalError} from '../state/journal-frame.js'
import {RunOutputError} from '../report/output.js'
import {RefusedOrdersError} from '../engine/refusal-check.js'

describe('errors a user can fix', () => {
  it('carry their exit code and hint', () => {
    const e = new ConfigError('bad.json: risk.maxDrawdown: expected a number', {hint: 'see trader config schema'})
    expect(isUserFacing(e)).toBe(true)
    expect(e.exitCode).toBe(2)
    expect(e.hint).toBe('see trader config schema')
    expect(new UserInputError('x').hint).toBeUndefined()
  })

  it('include data, journal and output errors; a bug is not one', () => {
    for (const e of [new NoDataError(['SPY']), new InvalidBarError('a.csv:3', 'high below low'), new JournalCorruptError('j', 10, 'bad crc'), new NotAJournalError('f', 'no magic'), new RunOutputError('out'), new DataError('d')]) {
      expect(isUserFacing(e), e.name).toBe(true)
      expect((e as {exitCode: number}).exitCode).toBe(2)
    }
    expect(isUserFacing(new Error('bug'))).toBe(false)
    expect(isUserFacing({exitCode: 2})).toBe(false)
  })

  it('may carry their own exit code', () => {
    const e = new RefusedOrdersError({attempted: 1, refused: 1, code: 'risk:x', count: 1, hint: 'h', line: 'the only order was refused'})
    expect(isUserFacing(e) && e.exitCode).toBe(3)
  })

  it('keep the fix in the journal message as its hint', () => {
    const e = new JournalCorruptError('j', 10, 'bad crc')
    expect(e.message).toContain(e.hint)
  })
})

describe('the refusal verdict', () => {
  it('is a hint already in its line', () => {
    const e = new RefusedOrdersError({attempted: 2, refused: 2, code: 'risk:x', count: 2, hint: 'raise the limit', line: 'all 2 orders were refused, risk:x: raise the limit'})
    expect(e.hint).toBe('raise the limit')
    expect(e.message).toContain(e.hint)
  })
})
