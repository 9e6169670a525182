/**
 * ALP-18: log volume over days; a secret in an error object → logs rotate, and the API key and secret never appear
 * in any log line. A session logger (src/ops/log.ts, rotating file) writes many lines with bybit-api and Alpaca
 * shaped errors carrying planted credentials; every rotated file is grepped for them.
 * Bite: the old bot's logger (plain pino to a file, no redaction, no scrubbing) leaks them in the same run.
 */
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import pino from 'pino'
import {afterAll, describe, expect, it} from 'vitest'
import {createLogger, REDACTED, registerSecret} from '../../src/ops/log.js'
import {logSession, PLANTED_KEY, PLANTED_SECRET, readLogFiles, settle} from '../ops/log-leak.js'

const root = mkdtempSync(join(tmpdir(), 'trader-alp18-'))
afterAll(() => rmSync(root, {recursive: true, force: true}))

describe('ALP-18: no secret in any rotated log file', () => {
  it('rotates, and no file contains the planted key or secret', async () => {
    // What a session does when it loads its credentials.
    registerSecret(PLANTED_KEY)
    registerSecret(PLANTED_SECRET)
    const dir = join(root, 'logs')
    const log = await createLogger({file: join(dir, 'session.log'), rotateSize: '4k', keepFiles: 50, level: 'debug'})
    await logSession(log, 600)
    await settle(log)
    const files = readLogFiles(dir)
    expect(files.length, 'the log rotated').toBeGreaterThan(3)
    const all = files.map((f) => f.text).join('')
    const lines = all.split('\n').filter((l) => l !== '')
    expect(lines.length).toBe(600)
    for (const f of files) {
      expect(f.text, f.name).not.toContain(PLANTED_KEY)
      expect(f.text, f.name).not.toContain(PLANTED_SECRET)
    }
    // The errors are still there and useful: their message, code and the redaction marker.
    expect(all).toContain('API key is invalid.')
    expect(all).toContain('Request failed with status code 403')
    expect(all).toContain(REDACTED)
    for (const l of lines) expect(() => JSON.parse(l)).not.toThrow()
  })

  it('bites: the old logger (no redaction, no scrubbing) leaks the planted credentials', async () => {
    const dir = join(root, 'naive')
    const dest = pino.destination({dest: join(dir, 'session.log'), mkdir: true, sync: true})
    const naive = pino({level: 'debug'}, dest)
    await logSession(naive, 600)
    dest.flushSync()
    const all = readLogFiles(dir).map((f) => f.text).join('')
    expect(all).toContain(PLANTED_KEY)
    expect(all).toContain(PLANTED_SECRET)
  })
})
