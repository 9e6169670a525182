/**
 * Test-only loader of real Lean bars (daily and minute SPY) for the indicator reference tests. Reads the zip files
 * directly (no DuckDB) from `data/sample` when it holds them, else from `../shared/data/lean` beside the repo.
 * Prices are converted from Lean's 1/10000 dollar to dollars.
 */
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {unzipSync} from 'fflate'

export interface TestBars {
  readonly length: number
  readonly open: Float64Array
  readonly high: Float64Array
  readonly low: Float64Array
  readonly close: Float64Array
  readonly volume: Float64Array
  /** Index of the first bar of each session (one per zip file for minute data; every bar for daily data). */
  readonly sessionStarts: number[]
  readonly source: string
}

const repoRoot = fileURLToPath(new URL('../../', import.meta.url))

/** Data roots in order of preference; each may or may not exist. */
function dataRoots(): string[] {
  return [join(repoRoot, 'data', 'sample'), join(repoRoot, 'data', 'sample', 'lean'), join(repoRoot, '..', 'shared', 'data', 'lean')]
}

/** Every existing `<root>/<relative>` path, in order of preference. */
function existingPaths(relative: string): string[] {
  return dataRoots()
    .map(root => join(root, relative))
    .filter(p => existsSync(p))
}

/** The first existing `<root>/<relative>` path. */
export function findLeanPath(relative: string): string {
  const found = existingPaths(relative)
  if (found.length === 0) {
    throw new Error(`test data ${relative} not found under ${dataRoots().join(' or ')}; provide the Lean sample data`)
  }
  return found[0]
}

function unzipText(file: string): string {
  const entries = unzipSync(readFileSync(file))
  const names = Object.keys(entries).filter(n => n.endsWith('.csv'))
  if (names.length !== 1) throw new Error(`${file}: expected one CSV inside, found ${names.length}`)
  return new TextDecoder().decode(entries[names[0]])
}

class BarBuilder {
  open: number[] = []
  high: number[] = []
  low: number[] = []
  close: number[] = []
  volume: number[] = []
  sessionStarts: number[] = []

  addCsv(text: string, file: string, sessionPerRow: boolean): void {
    if (!sessionPerRow) this.sessionStarts.push(this.close.length)
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue
      const f = line.split(',')
      const row = [f[1], f[2], f[3], f[4], f[5]].map(Number)
      if (f.length < 6 || row.some(v => !Number.isFinite(v))) throw new Error(`${file}: bad row "${line}"`)
      if (sessionPerRow) this.sessionStarts.push(this.close.length)
      this.open.push(row[0] / 10000)
      this.high.push(row[1] / 10000)
      this.low.push(row[2] / 10000)
      this.close.push(row[3] / 10000)
      this.volume.push(row[4])
    }
  }

  build(source: string): TestBars {
    return {
      length: this.close.length,
      open: Float64Array.from(this.open),
      high: Float64Array.from(this.high),
      low: Float64Array.from(this.low),
      close: Float64Array.from(this.close),
      volume: Float64Array.from(this.volume),
      sessionStarts: this.sessionStarts,
      source,
    }
  }
}

/** Daily bars of one US equity (Lean `equity/usa/daily/<symbol>.zip`, 1998–2021 for SPY). */
export function loadDailyBars(symbol = 'spy'): TestBars {
  const file = findLeanPath(`equity/usa/daily/${symbol}.zip`)
  const b = new BarBuilder()
  b.addCsv(unzipText(file), file, true)
  return b.build(file)
}

/**
 * Minute trade bars of one US equity, sessions concatenated in date order. `datePrefix` picks the files
 * (`<prefix>*_trade.zip`, default the October 2013 sessions); every matching file is one session.
 */
export function loadMinuteSessions(symbol = 'spy', datePrefix = '201310'): TestBars {
  const relative = `equity/usa/minute/${symbol}`
  const matching = (d: string): string[] =>
    readdirSync(d)
      .filter(n => n.startsWith(datePrefix) && n.endsWith('_trade.zip'))
      .sort()
  // The first data root that holds these sessions (data/sample may hold other dates or none).
  const dir = existingPaths(relative).find(d => matching(d).length > 0)
  if (dir === undefined) throw new Error(`no ${relative}/${datePrefix}*_trade.zip under ${dataRoots().join(' or ')}`)
  const files = matching(dir)
  const b = new BarBuilder()
  for (const name of files) {
    const file = join(dir, name)
    b.addCsv(unzipText(file), file, false)
  }
  return b.build(`${dir} (${files.join(', ')})`)
}

/** A reference output that covers the last `ref.length` inputs, placed at its input indexes (NaN before). */
export function alignTail(ref: ArrayLike<number | undefined>, n: number): Float64Array {
  const out = new Float64Array(n).fill(Number.NaN)
  const offset = n - ref.length
  for (let j = 0; j < ref.length; j++) out[offset + j] = ref[j] ?? Number.NaN
  return out
}

export interface Agreement {
  /** Largest |ours - ref| / max(|ref|, floor) over the compared indexes. */
  readonly maxRelative: number
  readonly maxAbsolute: number
  readonly worstIndex: number
  readonly compared: number
}

/** Compares two aligned series from index `from`, skipping indexes where the reference has no value (NaN). */
export function agreement(ours: ArrayLike<number>, ref: ArrayLike<number>, floor: number, from = 0): Agreement {
  let maxRelative = 0
  let maxAbsolute = 0
  let worstIndex = -1
  let compared = 0
  for (let i = from; i < ref.length; i++) {
    const r = ref[i]
    if (Number.isNaN(r)) continue
    const diff = Math.abs(ours[i] - r)
    // A non-finite value of ours counts as an infinite error.
    const d = Number.isFinite(diff) ? diff : Number.POSITIVE_INFINITY
    const rel = d / Math.max(Math.abs(r), floor)
    compared++
    if (rel > maxRelative) {
      maxRelative = rel
      worstIndex = i
    }
    if (d > maxAbsolute) maxAbsolute = d
  }
  return {maxRelative, maxAbsolute, worstIndex, compared}
}

/** The first index at which `stable[i]` is true, or -1. */
export function firstTrue(stable: ArrayLike<boolean | number>): number {
  for (let i = 0; i < stable.length; i++) if (stable[i]) return i
  return -1
}

/** One line per comparison, so the test output shows the agreement measured. */
export function logAgreement(name: string, a: Agreement): void {
  console.info(
    `[indicators] ${name}: ${a.compared} values, max rel err ${a.maxRelative.toExponential(2)}, ` +
      `max abs err ${a.maxAbsolute.toExponential(2)}`,
  )
}
