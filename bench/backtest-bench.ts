/**
 * `npm run bench`: backtest throughput on 10M synthetic 1-minute bars over 100 symbols (generated once, cached
 * in data/bench). Measures in one process (a) the raw DuckDB → typed-array scan of the rows, the limit of any
 * backtest over them, and (b) the full sma-cross backtest over the same rows through the simulated exchange.
 * Prints rows/s for both, the ratio b/a and the peak RSS. A measurement tool, not a test.
 */
import {defaultInstrument} from '../src/core/instrument.js'
import {MarketDataStore} from '../src/data/store.js'
import {threadedBarStream} from '../src/data/threaded-stream.js'
import {runBacktest} from '../src/run/backtest.js'
import {profileFor} from '../src/sim/venue-profile.js'
import {SmaCross} from '../strategies/sma-cross/index.js'
import {ensureBenchData} from './generate-data.js'
import {scanRaw} from './scan.js'

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US')

async function main(): Promise<void> {
  const t0 = performance.now()
  const data = await ensureBenchData()
  process.stderr.write(`bench data: ${fmt(data.rows)} rows, ${data.symbols.length} symbols (${((performance.now() - t0) / 1000).toFixed(1)} s to prepare)\n`)

  const scan = await scanRaw(data.dbPath)
  const scanRate = scan.rows / scan.seconds

  const started = performance.now()
  const cpu0 = process.cpuUsage()
  const store = await MarketDataStore.open(data.dbPath, {readOnly: true})
  let plan
  let infos
  try {
    plan = await store.planStream({timeframe: '1m'})
    infos = await store.instrumentsFor(plan.symbols)
  } finally {
    store.close()
  }
  // As `trader backtest` runs it: bars read on a worker thread, the engine, the simulator and the journal here.
  const result = await runBacktest({
    stream: threadedBarStream(data.dbPath, plan),
    instruments: infos.map((i) => defaultInstrument(i.symbol, i.assetClass, i.venue)),
    profile: profileFor(infos[0].venue),
    strategy: new SmaCross({fast: 20, slow: 100, fraction: 0.01}),
    sim: {seed: 1, latency: {fixedMs: 50, jitterMs: 0}, fees: {makerRate: 0.0002, takerRate: 0.0005, perShare: 0, minPerOrder: 0}},
  })
  const seconds = (performance.now() - started) / 1000
  // CPU time of the process (engine thread and bar-reader thread): steadier than wall time on a shared machine.
  const cpu = process.cpuUsage(cpu0)
  const cpuSeconds = (cpu.user + cpu.system) / 1e6
  const rate = result.bars / seconds
  const peakRssMb = process.resourceUsage().maxRSS / 1024

  const lines = [
    `(a) raw scan      ${fmt(scan.rows)} rows in ${scan.seconds.toFixed(2)} s = ${fmt(scanRate)} rows/s (checksum ${scan.checksum.toExponential(6)})`,
    `(b) sma-cross     ${fmt(result.bars)} bars in ${seconds.toFixed(2)} s = ${fmt(rate)} bars/s (${fmt(result.orders.length)} orders, ${fmt(result.fills.length)} fills, ${fmt(result.trades.length)} trades)`,
    `    CPU time      ${cpuSeconds.toFixed(2)} s (both threads) = ${fmt(result.bars / cpuSeconds)} bars per CPU second`,
    `b/a               ${(rate / scanRate).toFixed(3)}`,
    `peak RSS          ${fmt(peakRssMb)} MB`,
    `targets           b >= 2,000,000 bars/s, b/a >= 0.4, peak RSS < 1,024 MB`,
  ]
  process.stdout.write(lines.join('\n') + '\n')
}

await main()
