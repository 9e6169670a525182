/**
 * Replay throughput: records a backtest journal (sma-cross with short windows, so it trades a lot, with
 * latency jitter) over the first symbols of the bench data, writes it as a framed journal file, then measures
 * (a) loading the file (checksums + JSON) and (b) replaying it through the session wiring and the strategy
 * with the recording as the venue, the bars held in memory so the store is not what is measured.
 * Prints journal records per second for both. A measurement tool, not a test.
 * Run: `npx tsx bench/replay-bench.ts [symbols=20]` (or `node --expose-gc dist/bench/replay-bench.js` after a build).
 */
import {mkdtempSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {defaultInstrument} from '../src/core/instrument.js'
import type {BarChunk, BarStream} from '../src/core/market-data.js'
import {MarketDataStore} from '../src/data/store.js'
import {runBacktest} from '../src/engine/backtest.js'
import {Journal} from '../src/engine/journal.js'
import {replayJournal} from '../src/engine/replay.js'
import type {SessionHeader} from '../src/engine/session-header.js'
import {profileFor} from '../src/sim/venue-profile.js'
import {JournalFile, readJournal} from '../src/state/journal-file.js'
import {SmaCross} from '../strategies/sma-cross/index.js'
import {ensureBenchData} from './generate-data.js'

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US')

async function main(): Promise<void> {
  const nSymbols = Number(process.argv[2] ?? 20)
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
    const sink = new JournalFile(file)
    const recorded = await runBacktest({stream: memStream(), instruments, profile: profileFor(header.venue), strategy: new SmaCross(params), sim, journal: new Journal({sinks: [sink]}), header})
    sink.close()

    const t0 = performance.now()
    const {records} = readJournal(file)
    const loadSeconds = (performance.now() - t0) / 1000
    const report = await replayJournal(records, {data: async () => ({stream: memStream(), instruments})})

    const lines = [
      `journal           ${fmt(records.length)} records (${fmt(report.delivered)} venue messages), ${fmt(statSync(file).size / 1024 / 1024)} MB, ${fmt(recorded.bars)} bars, ${symbols.length} symbols`,
      `(a) load          ${loadSeconds.toFixed(2)} s = ${fmt(records.length / loadSeconds)} records/s (CRC-32 + JSON.parse per line)`,
      `(b) replay        ${report.seconds.toFixed(2)} s = ${fmt(report.eventsPerSecond)} records/s, ${fmt(report.bars / report.seconds)} bars/s`,
      `faithful          ${report.ok} (divergences ${report.divergenceCount}, violations ${report.violations.length}, hash ${report.replayedHash === recorded.journalHash ? 'equal' : 'DIFFERENT'})`,
      `target            >= 1,000,000 records/s`,
    ]
    process.stdout.write(lines.join('\n') + '\n')
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}

await main()
