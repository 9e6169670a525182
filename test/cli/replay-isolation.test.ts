/**
 * `trader replay` never touches a live account, and replays what the recording started from (issue 12, items 2-3).
 * Two `trader paper` sessions of the grid with a `stateDir` run one after the other against the exchange emulator,
 * so the second moves the state on; then both journals are replayed from the CLI: each passes — the first from
 * the empty state it started from, the second from the state file as it was when it started (recorded in its
 * journal), not as it is now — and every file of the account (state directory, lock, epoch, the grid's state file)
 * is byte for byte what it was. A killed session's journal (cut mid-record) replays up to its last intact record,
 * and malformed journals are refused in one line with exit 2.
 */
import {createHash} from 'node:crypto'
import {mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {frameJournal, frameRecord, readJournal} from '../../src/state/journal-file.js'
import {type Emulator, serveEmulator} from '../scenarios/ops-harness.js'
import {runTrader} from '../support/cli.js'

const KEYS = {BYBIT_API_KEY: 'EMULATORTESTKEY001', BYBIT_API_SECRET: 'emulatorOnlyTestSecretNotARealBybit1'}
let dir: string
let emu: Emulator | undefined

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const clean = {...process.env}
  for (const k of ['APCA_API_KEY_ID', 'APCA_API_SECRET_KEY', 'ALPACA_API_KEY_ID', 'ALPACA_API_SECRET_KEY', 'BYBIT_API_KEY', 'BYBIT_API_SECRET']) delete clean[k]
  // TMPDIR: the replay's scratch copy goes under the test's directory, where the test sees that it is removed.
  return {...clean, NODE_ENV: 'production', NO_COLOR: '1', TRADER_HOME: join(dir, 'home'), TRADER_DATA_DB: join(dir, 'market.duckdb'), TMPDIR: join(dir, 'tmp'), ...extra}
}

const trader = (args: string[], extra: Record<string, string> = {}) => runTrader(args, {cwd: dir, env: env(extra), timeoutMs: 180_000})

/** SHA-256 of every file under the roots, by path. */
function hashes(...roots: string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const root of roots) {
    for (const f of readdirSync(root, {recursive: true, encoding: 'utf8'}).sort()) {
      const p = join(root, f)
      if (statSync(p).isFile()) out[p] = createHash('sha256').update(readFileSync(p)).digest('hex')
    }
  }
  return out
}

function journalOf(stdout: string): string {
  const m = /^journal: (.+)$/m.exec(stdout)
  expect(m, stdout).not.toBeNull()
  return m![1].trim()
}

/** The records of a journal file, read as the product reads them. */
function recordsOf(file: string): {t: number; type: string; data: unknown}[] {
  return readJournal(file).records as {t: number; type: string; data: unknown}[]
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'trader-replay-iso-'))
  mkdirSync(join(dir, 'tmp'))
})

afterAll(async () => {
  await emu?.stop()
  rmSync(dir, {recursive: true, force: true})
})

describe('trader replay on its own copy of the recorded start state', () => {
  const journals: string[] = []
  let stateDir = ''

  it('two grid sessions with a stateDir; both journals replay, and the account files stay byte for byte the same', async () => {
    emu = await serveEmulator(['--venue', 'bybit', '--symbols', 'BTCUSDT', '--speed', '240'], {cwd: dir, env: env()})
    stateDir = join(dir, 'grid-state')
    const paper = () => trader(['paper', '--venue', 'bybit', '--strategy', 'grid', '--symbols', 'BTCUSDT', '--account', 'iso',
      '--params', JSON.stringify({stateDir}), '--base-url', emu!.url, '--ws-url', emu!.wsUrl, '--time-scale', '240', '--duration', '20m'], KEYS)
    for (let i = 0; i < 2; i++) {
      const r = paper()
      expect(r.code, r.stderr).toBe(0)
      journals.push(journalOf(r.stdout))
    }
    // The first session started flat (no state file); the second from the first one's last record, which the
    // second session has since replaced: the journal holds the file as it was.
    const start = journals.map((j) => recordsOf(j)[1])
    expect(start.map((r) => r.type)).toEqual(['start_state', 'start_state'])
    expect(start[0].data).toEqual({state: {dir: stateDir, files: []}})
    const second = (start[1].data as {state: {files: {name: string; data: string}[]}}).state.files
    expect(second.map((f) => f.name)).toEqual(['grid.state.json'])
    const now = readFileSync(join(stateDir, 'grid.state.json'), 'utf8')
    expect(second[0].data).not.toBe(now)

    // As if the account were running again meanwhile: its lock and an engaged kill switch are there too.
    writeFileSync(join(dir, 'home', 'state', 'iso.lock'), JSON.stringify({pid: process.pid, epoch: 3, startedAt: '2026-01-01T00:00:00.000Z'}))
    writeFileSync(join(dir, 'home', 'state', 'iso.risk.json'), JSON.stringify({account: 'iso', kill: {engaged: true, reason: 'test', peakEquity: 1}}))
    const before = hashes(join(dir, 'home', 'state'), stateDir)
    expect(Object.keys(before).some((p) => p.endsWith('iso.epoch'))).toBe(true)
    expect(Object.keys(before).some((p) => p.endsWith('grid.state.json'))).toBe(true)
    const replay = trader(['replay', '--json', ...journals])
    expect(replay.code, replay.stdout.slice(0, 3000) + replay.stderr).toBe(0)
    const results = JSON.parse(replay.stdout) as {ok: boolean; failures: string[]}[]
    expect(results.map((r) => r.failures)).toEqual([[], []])
    expect(hashes(join(dir, 'home', 'state'), stateDir)).toEqual(before)
    // The scratch copy is gone.
    expect(readdirSync(join(dir, 'tmp'))).toEqual([])
  }, 300_000)

  it('a killed session (its journal cut mid-record) replays up to its last intact record and says where it ends', () => {
    expect(journals).toHaveLength(2)
    const bytes = readFileSync(journals[1])
    // Cut in the middle of a record two thirds in: the end record and everything after are gone, the tail torn.
    let cut = Math.floor(bytes.length * 0.66)
    while (bytes[cut] === 0x0a) cut++
    const killed = join(dir, 'killed.journal')
    writeFileSync(killed, bytes.subarray(0, cut))
    const before = hashes(join(dir, 'home', 'state'), stateDir)
    const r = trader(['replay', killed])
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(r.stderr).toMatch(/note: .*killed\.journal has no session_end record \(its last record: \w+ at \d{4}-/)
    expect(r.stdout).toMatch(/^pass\s+paper:bybit:grid/m)
    expect(r.stdout).toMatch(/recording ends at record #\d+ \(\w+ at .+\) without its end record, then \d+ torn byte\(s\) at byte \d+/)
    expect(r.stdout).toMatch(/in flight at the end: \d+ order\(s\) without a final state.*\d+ request\(s\) without an answer/)
    expect(hashes(join(dir, 'home', 'state'), stateDir)).toEqual(before)

    // A cut recording with a bar record altered — and its checksums chained anew, so the file is intact and the
    // replay must compare to find it — still fails: "up to its end" is compared, not assumed. (Altering a record
    // without re-chaining would only make it, and what follows, a torn tail.)
    const {records} = readJournal(killed)
    const idx = records.findLastIndex((r) => r.type === 'bar')
    expect(idx).toBeGreaterThan(1)
    const altered = records.map((r, i) => (i === idx ? {...r, data: {...(r.data as {ts: number}), ts: (r.data as {ts: number}).ts + 60_000}} : r))
    const magic = bytes.subarray(0, bytes.indexOf(0x0a)).toString('utf8')
    writeFileSync(killed, frameJournal(altered, Number.parseInt(magic.split(' ').pop()!, 16)))
    const bad = trader(['replay', killed])
    expect(bad.code, bad.stdout).not.toBe(0)
    expect(bad.stdout).not.toMatch(/^pass/m)
    expect(bad.stdout + bad.stderr).toMatch(/diverg/i)
  }, 120_000)

  it('malformed journals: one line, exit 2, no class name, no stack trace', () => {
    const write = (name: string, text: string): string => {
      const p = join(dir, name)
      writeFileSync(p, text)
      return p
    }
    const cases = [
      // Not a journal at all, under a journal's name.
      [write('readme.journal', '# trader\n\nA README, not a journal.\n'), /readme\.journal is not a trader journal/],
      // Framed records, but no session header.
      [write('noheader.journal', frameRecord({t: 0, type: 'bar', data: {symbol: 'X', ts: 0}})), /does not start with a session header/],
      // A paper/live header with a bad field.
      [write('badlive.journal', frameRecord({t: 0, type: 'live_session', data: {format: 1, mode: 'sometimes'}})), /not a paper\/live session journal \(header field/],
      // A start state naming a file outside the scratch directory.
      [write('escape.journal', [
        frameRecord({t: 0, type: 'live_session', data: {format: 1, mode: 'paper', venue: 'bybit', account: 'a', strategy: 'grid', params: {stateDir: '/x'}, symbols: ['BTCUSDT'], timeframe: '1m', seed: 1, epoch: 1, risk: null, origin: 0, scale: 1}}),
        frameRecord({t: 0, type: 'start_state', data: {state: {dir: '/x', files: [{name: '../../evil', encoding: 'utf8', data: 'x'}]}}}),
      ].join('')), /start_state record's field 'state\.files\.0\.name' is invalid/],
    ] as const
    for (const [file, message] of cases) {
      const r = trader(['replay', file])
      expect(r.code, `${file}: ${r.stderr}`).toBe(2)
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1)
      expect(r.stderr).toMatch(message)
      expect(r.stderr).not.toMatch(/ReplayInputError|LiveReplayError|\n\s+at /)
    }
  }, 120_000)
})
