/**
 * OPS-05: logs are rotated and sensitive fields redacted. Unlike ALP-18, no credential value is registered here:
 * the redaction by field name alone must keep the SDK error shapes (bybit-api's requestOptions, an Alpaca client's
 * request headers, up to `response.config.headers`) out of every rotated file.
 * Bite: the same structured records through pino without the redaction paths leak the planted values.
 */
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import pino, {type Logger} from 'pino'
import {afterAll, describe, expect, it} from 'vitest'
import {createLogger, REDACTED} from '../../src/ops/log.js'
import {alpacaError, bybitError, PLANTED_KEY, PLANTED_SECRET, readLogFiles, settle} from '../ops/log-leak.js'

const root = mkdtempSync(join(tmpdir(), 'trader-ops05-'))
afterAll(() => rmSync(root, {recursive: true, force: true}))

/** Structured records only (no secret inside a message string: that is what value scrubbing is for, ALP-18). */
async function structured(log: Logger, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    if (i % 40 === 0) await new Promise<void>((resolve) => log.flush(() => setTimeout(resolve, 5)))
    const e = alpacaError() as Error & {config: unknown; response: unknown}
    if (i % 4 === 0) log.error({error: bybitError()}, 'bybit rejected')
    else if (i % 4 === 1) log.warn({request: {headers: {'APCA-API-KEY-ID': PLANTED_KEY, 'APCA-API-SECRET-KEY': PLANTED_SECRET}}}, 'alpaca request')
    else if (i % 4 === 2) log.warn({response: e.response, config: e.config}, 'alpaca response')
    else log.info({credentials: {apiKey: PLANTED_KEY, apiSecret: PLANTED_SECRET}, pad: 'y'.repeat(80)}, 'account loaded')
  }
}

describe('OPS-05: rotated logs, sensitive fields redacted by name', () => {
  it('rotates and keeps every credential field out of every file', async () => {
    const dir = join(root, 'logs')
    const log = await createLogger({file: join(dir, 'bot.log'), rotateSize: '8k', keepFiles: 50})
    await structured(log, 400)
    await settle(log)
    const files = readLogFiles(dir)
    expect(files.length).toBeGreaterThan(3)
    const all = files.map((f) => f.text).join('')
    expect(all.split('\n').filter(Boolean)).toHaveLength(400)
    for (const f of files) {
      expect(f.text, f.name).not.toContain(PLANTED_KEY)
      expect(f.text, f.name).not.toContain(PLANTED_SECRET)
    }
    expect(all).toContain(REDACTED)
    expect(all).toContain('"retMsg":"API key is invalid."') // the rest of the error survives
    expect(all).toContain('"status":403')
  })

  it('bites: without the redaction paths the same records leak', async () => {
    const dir = join(root, 'naive')
    const dest = pino.destination({dest: join(dir, 'bot.log'), mkdir: true, sync: true})
    await structured(pino(dest), 40)
    dest.flushSync()
    const all = readLogFiles(dir).map((f) => f.text).join('')
    expect(all).toContain(PLANTED_KEY)
    expect(all).toContain(PLANTED_SECRET)
  })
})
