/** A paper or live session counts its refusals from the journal as it is written, and warns when most orders were refused. */
import {describe, expect, it} from 'vitest'
import type {JournalRecord} from '../engine/journal.js'
import {checkRefusals} from '../engine/refusal-check.js'
import {createSessionMetrics} from './session-metrics.js'
import {countingSink, sessionRefusals} from './trading-session.js'

function sink() {
  return countingSink(createSessionMetrics({venue: 'bybit', account: 'test'}), 'bybit')
}

const intent = (id: string): JournalRecord => ({t: 1, type: 'intent', data: {request: {clientOrderId: id, side: 'buy'}}})
const rejected = (id: string, code: string): JournalRecord => ({t: 2, type: 'rejected', data: {clientOrderId: id, code, message: 'no'}})
const orderEvent = (id: string, status: string): JournalRecord => ({t: 3, type: 'event', data: {kind: 'order', ts: 3, order: {clientOrderId: id, status}}})
const riskRejected = (code: string): JournalRecord => ({t: 4, type: 'risk_rejected', data: {clientOrderId: 'r', code, reason: 'limit'}})

describe('session refusals', () => {
  it('counts venue refusals, later rejections (once per order) and risk refusals by code', () => {
    const s = sink()
    for (const r of [intent('a'), rejected('a', 'position_idx'), orderEvent('a', 'rejected'), intent('b'), orderEvent('b', 'new'), orderEvent('b', 'rejected'),
      orderEvent('b', 'rejected'), intent('c'), orderEvent('c', 'filled'), riskRejected('exposure_cap')]) s.append(r)
    expect(s.counts.refusedByCode).toEqual({position_idx: 1, rejected_after_accept: 1, 'risk:exposure_cap': 1})
    expect(sessionRefusals(s.counts)).toEqual({attempted: 4, refusedByCode: s.counts.refusedByCode, messages: {position_idx: 'no'}})
    // 3 of 4 refused: the session warns, naming the top code (ties by name) and a fix fit for a session.
    expect(checkRefusals(sessionRefusals(s.counts), 'session')!.line).toMatch(/^3 of 4 orders were refused, mostly position_idx \(1\) \("no"\): .*account's position mode/)
  })

  it('stays quiet when most orders went through', () => {
    const s = sink()
    for (const r of [intent('a'), intent('b'), intent('c'), rejected('c', 'insufficient_margin')]) s.append(r)
    expect(checkRefusals(sessionRefusals(s.counts), 'session')).toBeUndefined()
  })
})
