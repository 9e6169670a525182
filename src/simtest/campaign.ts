/**
 * A campaign: seeds base … base+count−1 over K workers (node's own worker_threads; one worker runs in this
 * thread), each failing seed's repro written to the output directory, and the totals the report prints: seeds run
 * and per minute, fault kinds drawn, violations by class with the seeds that found them.
 */
import {Worker} from 'node:worker_threads'
import {FAULT_KINDS, type FaultKind} from './plan.js'
import {loadBases} from './bases.js'
import {reproLine, writeRepro} from './repro.js'
import {runSeed} from './run-seed.js'

/** What one seed reports back (small: the campaign keeps one per failing seed). */
export interface SeedSummary {
  readonly seed: number
  readonly base: string
  readonly strategy: string
  readonly faults: Readonly<Record<FaultKind, number>>
  readonly violations: readonly {rule: string; t: number; detail: string}[]
  readonly determinismChecked: boolean
  readonly ms: number
  readonly repro?: {scenario: string; journal: string | undefined}
}

export interface CampaignOptions {
  readonly base: number
  readonly count: number
  readonly workers: number
  /** Where failing seeds' scenario and journal files go (none written when absent). */
  readonly outDir?: string
  readonly determinismEvery?: number
  /** Called after each seed, in completion order. */
  readonly onSeed?: (s: SeedSummary) => void
}

export interface CampaignReport {
  readonly base: number
  readonly seeds: number
  readonly workers: number
  readonly elapsedMs: number
  readonly seedsPerMinute: number
  readonly determinismChecked: number
  /** Fault rules / settings drawn, by kind, over all seeds. */
  readonly faults: Readonly<Record<FaultKind, number>>
  /** Seeds with each fault kind on. */
  readonly seedsWithFault: Readonly<Record<FaultKind, number>>
  /** Violations by class: how many seeds found it, and the first of them. */
  readonly violations: Readonly<Record<string, {seeds: number; first: number[]; example: string}>>
  readonly failing: readonly SeedSummary[]
}

/** Runs one seed and summarises it (in a worker or in this thread). */
export async function summariseSeed(seed: number, outDir: string | undefined, determinismEvery?: number): Promise<SeedSummary> {
  const o = await runSeed(seed, await loadBases(), {determinismEvery})
  const repro = o.violations.length > 0 && outDir ? writeRepro(outDir, o) : undefined
  return {seed, base: o.plan.base, strategy: o.plan.strategy, faults: o.plan.faults, violations: o.violations.slice(0, 20), determinismChecked: o.determinismChecked, ms: o.ms, repro}
}

export async function runCampaign(opts: CampaignOptions): Promise<CampaignReport> {
  const started = performance.now()
  const summaries: SeedSummary[] = []
  const take = (s: SeedSummary): void => {
    summaries.push(s)
    opts.onSeed?.(s)
  }
  const workers = Math.max(1, Math.min(opts.workers, opts.count))
  if (workers === 1) {
    for (let i = 0; i < opts.count; i++) take(await summariseSeed(opts.base + i, opts.outDir, opts.determinismEvery))
  } else {
    await inWorkers(opts, workers, take)
  }
  return report(opts, workers, summaries, performance.now() - started)
}

/** Seeds handed out one at a time, so a slow seed does not hold a whole batch back. */
async function inWorkers(opts: CampaignOptions, k: number, take: (s: SeedSummary) => void): Promise<void> {
  let next = 0
  const ts = import.meta.url.endsWith('.ts')
  // Under tsx (tests, `npm run dst` from source) the worker loads the TypeScript entry through tsx's loader.
  const entry = new URL(ts ? './worker.ts' : './worker.js', import.meta.url)
  await Promise.all(
    Array.from({length: k}, () => new Promise<void>((resolve, reject) => {
      const w = new Worker(entry, {workerData: {outDir: opts.outDir, determinismEvery: opts.determinismEvery}, execArgv: ts ? ['--import', 'tsx'] : []})
      const feed = (): void => {
        if (next < opts.count) w.postMessage(opts.base + next++)
        else void w.terminate().then(() => resolve())
      }
      w.on('message', (s: SeedSummary) => {
        take(s)
        feed()
      })
      w.on('error', reject)
      w.on('online', feed)
    })),
  )
}

function report(opts: CampaignOptions, workers: number, summaries: SeedSummary[], elapsedMs: number): CampaignReport {
  summaries.sort((a, b) => a.seed - b.seed)
  const faults = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>
  const seedsWithFault = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>
  const violations: Record<string, {seeds: number; first: number[]; example: string}> = {}
  for (const s of summaries) {
    for (const k of FAULT_KINDS) {
      faults[k] += s.faults[k]
      if (s.faults[k] > 0) seedsWithFault[k]++
    }
    const byRule = new Map<string, string>()
    for (const v of s.violations) if (!byRule.has(v.rule)) byRule.set(v.rule, v.detail)
    for (const [rule, detail] of byRule) {
      const c = (violations[rule] ??= {seeds: 0, first: [], example: detail})
      c.seeds++
      if (c.first.length < 10) c.first.push(s.seed)
    }
  }
  return {
    base: opts.base,
    seeds: summaries.length,
    workers,
    elapsedMs,
    seedsPerMinute: summaries.length / (elapsedMs / 60_000),
    determinismChecked: summaries.filter((s) => s.determinismChecked).length,
    faults,
    seedsWithFault,
    violations: Object.fromEntries(Object.entries(violations).sort(([a], [b]) => (a < b ? -1 : 1))),
    failing: summaries.filter((s) => s.violations.length > 0),
  }
}

/** The report as text lines (the command prints them). */
export function reportLines(r: CampaignReport): string[] {
  const lines = [
    `simtest: ${r.seeds} seeds from ${r.base} on ${r.workers} worker(s) in ${(r.elapsedMs / 1000).toFixed(1)} s: ${Math.round(r.seedsPerMinute).toLocaleString('en-US')} seeds/min; ${r.determinismChecked} ran twice (determinism)`,
    `faults drawn (rules; seeds): ${FAULT_KINDS.map((k) => `${k} ${r.faults[k]}; ${r.seedsWithFault[k]}`).join(', ')}`,
  ]
  const classes = Object.entries(r.violations)
  if (classes.length === 0) lines.push('violations: none')
  else {
    lines.push(`violations by class (${r.failing.length} failing seeds):`)
    for (const [rule, c] of classes) lines.push(`  ${rule}: ${c.seeds} seed(s), e.g. ${c.first.join(', ')} — ${c.example}`)
    for (const s of r.failing.slice(0, 20)) lines.push(`  repro: ${reproLine(s.seed)}  (${s.violations[0].rule}${s.repro ? `; ${s.repro.scenario}` : ''})`)
  }
  return lines
}
