import {readFileSync} from 'node:fs'
import {join, resolve} from 'node:path'
import {describe, expect, it} from 'vitest'
import {STRATEGIES} from '../../strategies/index.js'

describe('trader backtest --strategy help', () => {
  it('names every registered strategy', () => {
    const source = readFileSync(join(resolve(import.meta.dirname, '../..'), 'commands/backtest.ts'), 'utf8')
    const line = source.split('\n').find((l) => l.includes("strategy: Flags.string("))!
    for (const s of STRATEGIES) expect(line).toContain(s.name)
  })
})
