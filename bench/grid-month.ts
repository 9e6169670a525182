/**
 * `npm run bench:journal`: the "grid month on one symbol" journal measurement (issue 12, item 5), from a clean clone.
 *
 * 1. Builds a seeded month (December 2022, 44,640 bars) of BTCUSDT perpetual minute bars, block-bootstrapped from
 *    the real bundled Bybit day (data/sample/…/20221213_trade.zip): 30-bar blocks of that day's bar shapes (gap,
 *    high, low, close relative to the open), drift removed, chained from one price. Written as Lean zips under
 *    data/bench/grid-month/ and imported into a scratch DuckDB there with `trader data import`.
 * 2. Runs, as a user would (child processes of bin/run.js): `trader backtest --strategy grid … --journal`,
 *    `trader replay` and `trader journal inspect` of that journal.
 * 3. Prints the journal's size and record counts by type (read with the product's reader), the grid_state bytes,
 *    answers journaled in full vs as `same` references, and the peak RSS of replay and inspect. Exits 1 if the
 *    replay fails. A measurement tool, not a test.
 *
 * Peak RSS: each child is started with `node --import <preload>`, a one-line hook writing
 * `process.resourceUsage().maxRSS` (getrusage, the whole process with its threads) at exit — portable wherever
 * Node runs, unlike `/usr/bin/time -v` or /proc.
 */
import {spawnSync} from 'node:child_process'
import {createHash} from 'node:crypto'
import {existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'
import {strFromU8, strToU8, unzipSync, zipSync} from 'fflate'
import {Rng} from '../src/core/rng.js'
import {packageRoot} from '../src/data/package-root.js'
import {frameRecord} from '../src/state/journal-file.js'
import {openJournalStream} from '../src/state/journal-stream.js'

const SEED = 20221213
const START_PRICE = 17194
const TICK = 0.5
const BLOCK = 30
const DAYS = 31
const FIRST_DAY = Date.UTC(2022, 11, 1)
const SAMPLE_DAY = 'data/sample/cryptofuture/bybit/minute/btcusdt/20221213_trade.zip'

type Shape = readonly [gap: number, high: number, low: number, close: number, volume: number]

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US')
const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`

/** The real day's bars as shapes relative to their open, the close's average log drift removed. */
function sampleShapes(root: string): Shape[] {
  const zip = unzipSync(new Uint8Array(readFileSync(join(root, SAMPLE_DAY))), {filter: (f) => f.name.endsWith('.csv')})
  const csv = strFromU8(Object.values(zip)[0])
  const rows = csv.split('\n').filter((l) => l.trim() !== '').map((l) => l.split(',').map(Number))
  const raw = rows.map((r, i): Shape => {
    const prevClose = i > 0 ? rows[i - 1][4] : r[1]
    return [r[1] / prevClose, r[2] / r[1], r[3] / r[1], r[4] / r[1], r[5]]
  })
  const mu = raw.reduce((s, b) => s + Math.log(b[0] * b[3]), 0) / raw.length
  return raw.map(([g, h, l, c, v]) => [g, h, l, c * Math.exp(-mu), v])
}

const onTick = (x: number): number => Number((Math.round(x / TICK) * TICK).toFixed(1))

/** Writes the month as Lean zips under `dir`; same seed, same files. */
function writeMonth(shapes: readonly Shape[], dir: string): void {
  const out = join(dir, 'cryptofuture', 'bybit', 'minute', 'btcusdt')
  mkdirSync(out, {recursive: true})
  const rng = new Rng(SEED)
  let price = START_PRICE
  for (let d = 0; d < DAYS; d++) {
    const name = new Date(FIRST_DAY + d * 86_400_000).toISOString().slice(0, 10).replaceAll('-', '')
    const lines: string[] = []
    let m = 0
    while (m < 1440) {
      const start = rng.int(shapes.length - BLOCK)
      for (let k = 0; k < BLOCK && m < 1440; k++, m++) {
        const [g, h, l, c, v] = shapes[start + k]
        const o = onTick(price * g)
        const cl = onTick(o * c)
        const hi = Math.max(onTick(o * h), o, cl)
        const lo = Math.min(onTick(o * l), o, cl)
        lines.push(`${m * 60_000},${o},${hi},${lo},${cl},${v}`)
        price = cl
      }
    }
    const zip = zipSync({[`${name}_btcusdt_minute_trade_perp.csv`]: strToU8(lines.join('\n') + '\n')})
    writeFileSync(join(out, `${name}_trade.zip`), zip)
  }
}

interface Run {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
  /** Peak resident set size in bytes, when the child reached its exit hook. */
  readonly peakRss?: number
}

/** Runs `trader <args>` in a child process, as a user would, measuring its peak RSS. */
function trader(root: string, work: string, args: string[]): Run {
  const hook = join(work, 'max-rss.mjs')
  const rssFile = join(work, 'max-rss.out')
  writeFileSync(hook, `import {writeFileSync} from 'node:fs'\nprocess.on('exit', () => writeFileSync(${JSON.stringify(rssFile)}, String(process.resourceUsage().maxRSS)))\n`)
  rmSync(rssFile, {force: true})
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(hook).href, join(root, 'bin', 'run.js'), ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: {...process.env, NO_COLOR: '1', TRADER_HOME: join(work, 'home')},
  })
  // maxRSS is in kilobytes on every platform Node supports.
  const peakRss = existsSync(rssFile) ? Number(readFileSync(rssFile, 'utf8')) * 1024 : undefined
  return {status: r.status, stdout: r.stdout, stderr: r.stderr, ...(peakRss === undefined ? {} : {peakRss})}
}

function mustSucceed(what: string, r: Run): void {
  if (r.status === 0) return
  process.stderr.write(`${what} failed (exit ${r.status}):\n${r.stderr}${r.stdout}`)
  process.exit(1)
}

interface JournalCounts {
  readonly records: number
  readonly byType: Map<string, {count: number; bytes: number}>
  readonly answersFull: number
  readonly answersSame: number
}

/** Streams the journal with the product's reader: records and framed bytes per type, answers in full vs `same`. */
function countJournal(path: string): JournalCounts {
  const byType = new Map<string, {count: number; bytes: number}>()
  let records = 0
  let answersFull = 0
  let answersSame = 0
  const s = openJournalStream(path)
  try {
    for (let b = s.nextBatch(); b.length > 0; b = s.nextBatch()) {
      for (const r of b) {
        records++
        const t = byType.get(r.type) ?? {count: 0, bytes: 0}
        t.count++
        // A framed line's length does not depend on the previous checksum (fixed-width), so this is its size on disk.
        t.bytes += Buffer.byteLength(frameRecord(r))
        byType.set(r.type, t)
        if (r.type === 'response') {
          const d = r.data as {same?: number; result?: unknown}
          if (d.same !== undefined) answersSame++
          else if ('result' in d) answersFull++
        }
      }
    }
  } finally {
    s.close()
  }
  return {records, byType, answersFull, answersSame}
}

function main(): void {
  const root = packageRoot()
  const work = join(root, 'data', 'bench', 'grid-month')
  rmSync(work, {recursive: true, force: true})
  mkdirSync(join(work, 'home'), {recursive: true})
  const lean = join(work, 'lean')
  const db = join(work, 'grid-month.duckdb')
  const journal = join(work, 'grid-month.journal')

  writeMonth(sampleShapes(root), lean)
  mustSucceed('trader data import', trader(root, work, ['data', 'import', lean, '--db', db]))

  const bt = trader(root, work, [
    'backtest', '--db', db, '--strategy', 'grid', '--symbols', 'BTCUSDT', '--timeframe', '1m',
    '--from', '2022-12-01', '--to', '2022-12-31', '--journal', journal,
  ])
  mustSucceed('trader backtest', bt)
  const replay = trader(root, work, ['replay', journal])
  const inspect = trader(root, work, ['journal', 'inspect', journal])

  const bytes = statSync(journal).size
  const c = countJournal(journal)
  const grid = c.byType.get('grid_state') ?? {count: 0, bytes: 0}
  const rss = (r: Run): string => (r.peakRss === undefined ? 'n/a' : mb(r.peakRss))
  const types = [...c.byType.entries()].sort((a, b) => b[1].bytes - a[1].bytes)
  const lines = [
    `grid month on one symbol: BTCUSDT 1m, 2022-12-01..31, seed ${SEED} (journal ${journal})`,
    `journal bytes        ${fmt(bytes)} (${mb(bytes)}), sha256 ${createHash('sha256').update(readFileSync(journal)).digest('hex').slice(0, 16)}`,
    `records              ${fmt(c.records)}`,
    `grid_state           ${fmt(grid.count)} records, ${fmt(grid.bytes)} bytes (${((100 * grid.bytes) / bytes).toFixed(1)} % of the file)`,
    `answers (response)   ${fmt(c.answersFull)} in full, ${fmt(c.answersSame)} as same references`,
    `replay               peak RSS ${rss(replay)}, ${replay.status === 0 ? 'pass' : `FAIL (exit ${replay.status})`}`,
    `journal inspect      peak RSS ${rss(inspect)}, exit ${inspect.status}`,
    `by type              ${types.map(([t, v]) => `${t} ${fmt(v.count)} (${mb(v.bytes)})`).join(', ')}`,
    `targets              journal <= 30 MB, replay and inspect <= 300 MB peak RSS`,
  ]
  process.stdout.write(lines.join('\n') + '\n')
  if (replay.status !== 0) {
    process.stderr.write(`trader replay failed:\n${replay.stderr}${replay.stdout}`)
    process.exit(1)
  }
}

main()
