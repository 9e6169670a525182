/**
 * Replay throughput: records a backtest journal (sma-cross with short windows, so it trades a lot, with
 * latency jitter) over the first symbols of the bench data, writes it as a framed journal file (in one write:
 * the recording's fsyncs are not what is measured), then measures (a) loading the file (checksums + JSON) and
 * (b) replaying it through the session wiring and the strategy with the recording as the venue — both journal
 * hashes, every record compared, the fill-consistency check — with the bars held in memory so the store is not
 * what is measured, and (a + b) the two together, as `trader replay FILE` does them.
 * Each is measured `runs` times (default 3) and the best run is reported (the machine may be shared), with the
 * CPU time of that run beside its wall time.
 * Prints journal records per second for each. A measurement tool, not a test.
 * Run: `npx tsx bench/replay-bench.ts [symbols=20] [runs=3]` (or `node --expose-gc dist/bench/replay-bench.js` after a build).
 * Or `--journal FILE [runs=5]`: a recorded journal of any kind (paper and live ones too), load + replay.
 * `--keep FILE` keeps the recorded journal (for memory measurements of `trader journal inspect` / `trader replay`).
 */
import {copyFileSync, mkdtempSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {defaultInstrument} from '../src/core/instrument.js'
import type {BarChunk, BarStream} from '../src/core/market-data.js'
import {MarketDataStore} from '../src/data/store.js'
import {runBacktest} from '../src/run/backtest.js'
import {Journal} from '../src/engine/journal.js'
import {replayJournal} from '../src/run/replay.js'
import type {SessionHeader} from '../src/engine/session-header.js'
import {profileFor} from '../src/sim/venue-profile.js'
import {frameJournal, readJournal} from '../src/state/journal-file.js'
import {SmaCross} from '../strategies/sma-cross/index.js'
import {ensureBenchData} from './generate-data.js'

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US')

interface Timed<T> {
  readonly value: T
  readonly seconds: number
  readonly cpuSeconds: number
}

/** Runs `fn` `runs` times and keeps the fastest run (a collection first when the process allows it). */
async function best<T>(runs: number, fn: () => Promise<T> | T): Promise<Timed<T>> {
  let out: Timed<T> | undefined
  for (let i = 0; i < runs; i++) {
    ;(globalThis as {gc?: () => void}).gc?.()
    const cpu = process.cpuUsage()
    const t = performance.now()
    const value = await fn()
    const seconds = (performance.now() - t) / 1000
    const used = process.cpuUsage(cpu)
    if (!out || seconds < out.seconds) out = {value, seconds, cpuSeconds: (used.user + used.system) / 1e6}
  }
  return out!
}

/**
 * `--journal FILE`: any recorded journal (a paper or live session's, or a backtest's with its data source at
 * hand), measured as `trader replay FILE` runs it: load + replay, best of `runs`.
 */
async function benchFile(file: string, runs: number): Promise<void> {
  const {readJournalHead} = await import('../src/state/journal-file.js')
  const {isLiveJournal, replayLiveFile} = await import('../src/run/live/replay-live.js')
  const live = isLiveJournal(readJournalHead(file, 1))
  const r = await best(runs, async () => {
    if (live) {
      const x = await replayLiveFile(file)
      return {ok: x.ok, records: x.recordedRecords, delivered: x.delivered, bars: x.bars}
    }
    const x = await replayJournal(file)
    return {ok: x.ok, records: x.recordedRecords, delivered: x.delivered, bars: x.bars}
  })
  const v = r.value
  process.stdout.write(
    [
      `journal           ${file}: ${live ? 'paper/live' : 'backtest'}, ${fmt(v.records)} records (${fmt(v.delivered)} venue messages), ${fmt(statSync(file).size / 1024)} KB, ${fmt(v.bars)} bars`,
      `load + replay     ${r.seconds.toFixed(3)} s (cpu ${r.cpuSeconds.toFixed(3)} s) = ${fmt(v.records / r.seconds)} records/s, best of ${runs}`,
      `faithful          ${v.ok}`,
    ].join('\n') + '\n',
  )
}

async function main(): Promise<void> {
  const at = process.argv.indexOf('--journal')
  if (at >= 0) {
    const file = process.argv[at + 1]
    if (!file) throw new Error('--journal needs a file: npm run bench:replay -- --journal session.journal [runs]')
    return benchFile(file, Math.max(1, Number(process.argv[at + 2] ?? 5)))
  }
  const keepAt = process.argv.indexOf('--keep')
  const keep = keepAt >= 0 ? process.argv[keepAt + 1] : undefined
  const args = keepAt >= 0 ? process.argv.filter((_, i) => i !== keepAt && i !== keepAt + 1) : process.argv
  const nSymbols = Number(args[2] ?? 20)
  const runs = Math.max(1, Number(args[3] ?? 3))
  const data = await ensureBenchData()
  const symbols = data.symbols.slice(0, nSymbols)
  const store = await MarketDataStore.open(data.dbPath, {readOnly: true})
  const chunks: BarChunk[] = []
  let streamSymbols: readonly string[]
  let instruments
  try {
    const stream = await store.streamBars({symbols, timeframe: '1m'})
    for await (const c of stream) chunks.push(c)
    streamSymbols = stream.symbols
    const infos = await store.instrumentsFor(symbols)
    instruments = streamSymbols.map((s) => {
      const i = infos.find((x) => x.symbol === s)!
      return defaultInstrument(s, i.assetClass, i.venue)
    })
  } finally {
    store.close()
  }
  const memStream = (): BarStream => ({symbols: streamSymbols, timeframe: '1m', [Symbol.asyncIterator]: async function* () { yield* chunks }})
  const params = {fast: 5, slow: 20, fraction: 0.02}
  const sim = {seed: 3, latency: {fixedMs: 40, jitterMs: 25}}
  const header: SessionHeader = {
    format: 1, mode: 'backtest', strategy: 'sma-cross', params, symbols: [...streamSymbols], timeframe: '1m', from: null, to: null,
    source: {db: data.dbPath}, rows: chunks.reduce((n, c) => n + c.length, 0), venue: instruments[0].venue, sim, seed: sim.seed, epoch: 1, risk: null,
  }
  const dir = mkdtempSync(join(tmpdir(), 'trader-replay-bench-'))
  const file = join(dir, 'bench.journal')
  try {
    const journal = new Journal({keep: true})
    const recorded = await runBacktest({stream: memStream(), instruments, profile: profileFor(header.venue), strategy: new SmaCross(params), sim, journal, header})
    writeFileSync(file, frameJournal(journal.records), {mode: 0o600})
    if (keep) copyFileSync(file, keep)

    const load = await best(runs, () => readJournal(file).records)
    const records = load.value
    const loadSeconds = load.seconds
    const replay = await best(runs, () => replayJournal(records, {data: async () => ({stream: memStream(), instruments})}))
    const report = replay.value

    const lines = [
      `journal           ${fmt(records.length)} records (${fmt(report.delivered)} venue messages), ${fmt(statSync(file).size / 1024 / 1024)} MB, ${fmt(recorded.bars)} bars, ${symbols.length} symbols`,
      `(a) load          ${loadSeconds.toFixed(2)} s (cpu ${load.cpuSeconds.toFixed(2)} s) = ${fmt(records.length / loadSeconds)} records/s (chunked read, chained CRC-32 + JSON.parse per line)`,
      `(b) replay        ${report.seconds.toFixed(2)} s (cpu ${replay.cpuSeconds.toFixed(2)} s) = ${fmt(report.eventsPerSecond)} records/s, ${fmt(report.bars / report.seconds)} bars/s (session, both hashes, checks)`,
      `(a + b)           ${(loadSeconds + report.seconds).toFixed(2)} s = ${fmt(records.length / (loadSeconds + report.seconds))} records/s`,
      `faithful          ${report.ok} (divergences ${report.divergenceCount}, violations ${report.violations.length}, hash ${report.replayedHash === recorded.journalHash ? 'equal' : 'DIFFERENT'})`,
      `target            >= 1,000,000 records/s (best of ${runs} runs each)`,
    ]
    process.stdout.write(lines.join('\n') + '\n')
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}

await main()
