/**
 * ConsensusParams as the scenario and CLI boundary reports it: one line from src/config (its other unit tests sit
 * beside it: strategies/consensus/consensus-signal.test.ts).
 */
import {describe, expect, it} from 'vitest'
import {zodOneLine} from '../../../src/config/zod-message.js'
import {ConsensusParams} from '../../../strategies/consensus/index.js'

describe('ConsensusParams', () => {
  it('names the field of a bad source parameter, a k above N, and an unknown source', () => {
    const bad = ConsensusParams.safeParse({k: 3, sources: [{strategy: 'parabolic-sar', params: {start: -1}}, {strategy: 'opening-range'}]})
    expect(bad.success).toBe(false)
    const line = zodOneLine(bad.error!, 'consensus')
    expect(line).toContain('sources.0.params.start')
    expect(bad.error!.issues.map((i) => i.path.join('.'))).toEqual(expect.arrayContaining(['k', 'sources.0.params.start']))
    expect(ConsensusParams.safeParse({sources: [{strategy: 'sma-cross'}], k: 1}).success).toBe(false)
  })
})
