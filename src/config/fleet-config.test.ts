import {readFileSync} from 'node:fs'
import {join, resolve} from 'node:path'
import {describe, expect, it} from 'vitest'
import {parse} from 'yaml'
import {fleetJsonSchema, loadFleet, validateFleet} from './fleet-config.js'

const ROOT = resolve(import.meta.dirname, '../..')
const example = (): Record<string, any> => parse(readFileSync(join(ROOT, 'examples/fleet.yaml'), 'utf8'))

describe('fleet configuration (OPS-01)', () => {
  it('accepts the example fleet', async () => {
    const fleet = await loadFleet(join(ROOT, 'examples/fleet.yaml'))
    expect(fleet.bots.map((b) => b.id)).toEqual(['sma-spy', 'hold-baseline'])
    expect(fleet.bots[1].timeframe).toBe('1d')
  })

  it('reports all three planted mistakes, each with its bot, field and fix', () => {
    const f = example()
    f.bots[0].strategy = 'sma-crosss' // typo in a strategy name
    f.bots[1].timeframe = '3m' // a timeframe that does not exist
    f.bots[1].cooldwnMinutes = 5 // a misspelt field
    const {issues} = validateFleet(f)
    const text = issues.map((i) => `${i.where}: ${i.message}`)
    expect(text).toHaveLength(3)
    expect(text.some((t) => t.startsWith("bot 'sma-spy' field 'strategy'") && t.includes("did you mean 'sma-cross'?"))).toBe(true)
    expect(text.some((t) => t.startsWith("bot 'hold-baseline' field 'timeframe'"))).toBe(true)
    expect(text.some((t) => t.startsWith("bot 'hold-baseline'") && t.includes("'cooldwnMinutes'") && t.includes('remove or correct the spelling'))).toBe(true)
  })

  it('cross-checks strategies, accounts, parameters and keys, naming the fix', () => {
    const f = example()
    f.bots[0].strategy = 'sma-crosss'
    f.bots[1].account = 'alpaca-live'
    f.accounts[0].keys = undefined
    f.bots.push({id: 'sma-2', account: 'sim-local', strategy: 'sma-cross', symbols: ['IBM'], params: {fast: 50, slow: 20}})
    const text = validateFleet(f).issues.map((i) => `${i.where}: ${i.message}`)
    expect(text).toEqual([
      "account 'alpaca-paper' field 'keys': a alpaca account needs keys: {keyEnv, secretEnv}",
      "bot 'sma-spy' field 'strategy': unknown strategy 'sma-crosss'; did you mean 'sma-cross'? choose one of: " + text[1].split('choose one of: ')[1],
      "bot 'hold-baseline' field 'account': unknown account 'alpaca-live'; use one of: alpaca-paper, sim-local",
      "bot 'sma-2' field 'params.fast': fast must be shorter than slow",
    ])
  })

  it('refuses key values where environment-variable names belong', () => {
    const f = example()
    f.accounts[0].keys.keyEnv = 'PKA1B2C3D4E5F6'
    f.accounts[0].keys.secretEnv = 'abc/def+ghi'
    const text = validateFleet(f).issues.map((i) => `${i.where}: ${i.message}`)
    expect(text.some((t) => t.startsWith("account 'alpaca-paper' field 'keys.secretEnv'") && t.includes('not the key itself'))).toBe(true)
  })

  it('the committed JSON Schema is the one generated from the validator', () => {
    const committed = JSON.parse(readFileSync(join(ROOT, 'schemas/fleet.schema.json'), 'utf8'))
    expect(committed).toEqual(fleetJsonSchema())
  })
})
