import {Flags} from '@oclif/core'
import {TraderCommand} from '../src/ops/cli-command.js'
import {UserInputError} from '../src/core/errors.js'

export default class Simtest extends TraderCommand {
  static override summary = 'Deterministic simulation tester: seeded runs of the real strategies under drawn faults, with the invariants checked at every step.'

  static override description = `Each seed draws a strategy, a data slice (a scenario file's bars or a slice of the bundled sample), latency and a
fault profile (swarm style: which fault kinds are on, then how often each fires: delayed, dropped, duplicated and
reordered events, failed, rate-limited and timed-out requests, stream outages, partial fills, restarts and crashes
from durable state), runs it through the backtest engine, and checks the invariants of DESIGN.md at every bar
instant. A failing seed prints its one-line repro and, with --out, writes its scenario and journal (both replay with
\`trader replay\`). Exits 1 when any seed fails.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> --seed 4242',
    '<%= config.bin %> <%= command.id %> --seeds 20000 --workers 2 --out out/simtest',
    '<%= config.bin %> <%= command.id %> --from-commit --seeds 1000',
  ]

  static override flags = {
    seed: Flags.integer({description: 'run this one seed (prints its plan and every violation)', exclusive: ['seeds', 'from-commit', 'base']}),
    seeds: Flags.integer({description: 'how many seeds to run', default: 1000, min: 1}),
    base: Flags.integer({description: 'first seed of the campaign (default 1, or from the commit with --from-commit)', min: 0}),
    'from-commit': Flags.boolean({description: 'take the first seed from `git rev-parse HEAD` (CI): each commit explores new seeds, reproducibly'}),
    workers: Flags.integer({description: 'worker threads (default: one per core)', min: 1}),
    out: Flags.string({description: "write each failing seed's scenario (DST-<seed>.json) and journal (DST-<seed>.journal) here"}),
    json: Flags.boolean({description: 'print the report as JSON'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Simtest)
    const {availableParallelism} = await import('node:os')
    if (flags.out !== undefined) {
      const {existsSync, statSync} = await import('node:fs')
      if (existsSync(flags.out) && !statSync(flags.out).isDirectory()) throw new UserInputError(`--out ${flags.out} is a file; give a directory (created when missing)`)
    }
    if (flags.seed !== undefined) return this.one(flags.seed, flags.out, flags.json)
    const {runCampaign, reportLines} = await import('../src/simtest/campaign.js')
    let base = flags.base ?? 1
    if (flags['from-commit']) {
      const {commitBase} = await import('../src/simtest/ci-base.js')
      const c = commitBase(process.cwd())
      base = c.base
      if (!flags.json) this.log(`simtest: base seed ${base} from ${c.from}`)
    }
    const workers = flags.workers ?? availableParallelism()
    const report = await runCampaign({base, count: flags.seeds, workers, outDir: flags.out})
    if (flags.json) this.log(JSON.stringify(report, null, 2))
    else for (const line of reportLines(report)) this.log(line)
    if (report.failing.length > 0) process.exitCode = 1
  }

  private async one(seed: number, out: string | undefined, json: boolean): Promise<void> {
    const {loadBases} = await import('../src/simtest/bases.js')
    const {runSeed} = await import('../src/simtest/run-seed.js')
    const {writeRepro, reproLine} = await import('../src/simtest/repro.js')
    const {FAULT_KINDS} = await import('../src/simtest/plan.js')
    const o = await runSeed(seed, await loadBases(), {twice: true})
    const files = o.violations.length > 0 && out ? writeRepro(out, o) : undefined
    if (json) {
      this.log(JSON.stringify({seed, base: o.plan.base, strategy: o.plan.strategy, faults: o.plan.faults, violations: o.violations, journalHash: o.journalHash, repro: files}, null, 2))
    } else {
      const faults = FAULT_KINDS.filter((k) => o.plan.faults[k] > 0).map((k) => `${k}×${o.plan.faults[k]}`)
      this.log(`seed ${seed}: ${o.plan.strategy} on ${o.plan.base}; faults: ${faults.join(', ') || 'none'}; ${Math.round(o.ms)} ms (ran twice)`)
      if (o.violations.length === 0) this.log(`pass  journal sha256 ${o.journalHash}`)
      for (const v of o.violations) this.log(`FAIL  ${v.rule} at ${v.t}: ${v.detail}`)
      if (o.violations.length > 0) this.log(`repro: ${reproLine(seed)}`)
      if (files) this.log(`wrote ${files.scenario}${files.journal ? ` and ${files.journal}` : ''} (trader replay <file>)`)
    }
    if (o.violations.length > 0) process.exitCode = 1
  }
}
