import {mkdtempSync, readdirSync, readFileSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {createLogger, REDACTED, registerSecret} from './log.js'

const KEY = 'PKTESTKEY1234567890AB'
const SECRET = 'sEcReT0123456789abcdefSECRET'
const dir = mkdtempSync(join(tmpdir(), 'trader-log-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))

function memory(): {lines: string[]; write(s: string): void} {
  const lines: string[] = []
  return {lines, write: (s: string) => void lines.push(s)}
}

describe('logs never carry secrets (ALP-18, OPS-05)', () => {
  it('redacts credential fields by name and secret values wherever they appear', async () => {
    registerSecret(KEY)
    registerSecret(SECRET)
    const out = memory()
    const log = await createLogger({destination: out, level: 'debug'})
    // The shape bybit-api rejects with on an HTTP error: the key and secret inside requestOptions.
    const bybitError = {code: 10003, message: 'API key is invalid.', requestOptions: {key: KEY, secret: SECRET, recv_window: 5000}}
    log.error({err: bybitError}, 'order rejected')
    log.warn({headers: {'APCA-API-KEY-ID': KEY, 'APCA-API-SECRET-KEY': SECRET}, url: `https://paper-api.alpaca.markets/v2/orders?key=${KEY}`}, 'request failed')
    log.info({account: {apiKey: KEY, apiSecret: SECRET, id: 'acct-1'}}, `connected with ${KEY}`)
    const e = new Error(`signature mismatch for ${SECRET}`) as Error & {cause?: unknown}
    e.cause = new Error(`key ${KEY} rejected`)
    log.error({err: e}, 'auth failed')
    log.child({module: 'adapters'}).info({config: {secret: SECRET, nested: {token: KEY}}}, 'config loaded')
    expect(out.lines).toHaveLength(5)
    const all = out.lines.join('')
    expect(all).not.toContain(KEY)
    expect(all).not.toContain(SECRET)
    expect(all).toContain(REDACTED)
    // What is not secret still gets through, so the lines stay useful.
    expect(all).toContain('API key is invalid.')
    expect(all).toContain('acct-1')
    expect(all).toContain('paper-api.alpaca.markets')
  })

  it('honours levels per module', async () => {
    const out = memory()
    const log = await createLogger({destination: out, level: 'info', modules: {sim: 'warn', adapters: 'debug'}})
    log.child({module: 'sim'}).info('quiet')
    log.child({module: 'sim'}).warn('loud')
    log.child({module: 'adapters'}).debug('detail')
    log.debug('root debug hidden')
    expect(out.lines.map((l) => JSON.parse(l).msg)).toEqual(['loud', 'detail'])
  })

  it('rotates the log file by size', async () => {
    const file = join(dir, 'logs', 'trader.log')
    const log = await createLogger({file, rotateSize: '1k', keepFiles: 3})
    for (let i = 0; i < 200; i++) log.info({i, pad: 'x'.repeat(40)}, 'line')
    await new Promise((r) => setTimeout(r, 200))
    const files = readdirSync(join(dir, 'logs')).filter((f) => f.endsWith('.log'))
    expect(files.length).toBeGreaterThan(1)
    expect(files.length).toBeLessThanOrEqual(4)
    const text = files.map((f) => readFileSync(join(dir, 'logs', f), 'utf8')).join('')
    expect(text).toContain('"msg":"line"')
    // Private, like the journal and the state: every file, the rotated ones too, 0600 in a 0700 directory.
    for (const f of files) expect(statSync(join(dir, 'logs', f)).mode & 0o777).toBe(0o600)
    expect(statSync(join(dir, 'logs')).mode & 0o777).toBe(0o700)
  })
})
