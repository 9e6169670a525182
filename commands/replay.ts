import {Args, Flags} from '@oclif/core'
import {TraderCommand} from '../src/ops/cli-command.js'
import {UserInputError} from '../src/ops/errors.js'

export default class Replay extends TraderCommand {
  static override summary = 'Run scenario files (data slice + fault script + expectations) and report every unmet expectation.'

  static override description = `Each scenario runs through the same engine, simulator and strategy code as a backtest, on a virtual clock,
and checks its expectations and the general invariants. Exits 1 when any scenario fails.
A directory runs every *.json in it. (Replaying a recorded session journal comes with the durability work.)`

  static override examples = [
    '<%= config.bin %> <%= command.id %> fixtures/scenarios',
    '<%= config.bin %> <%= command.id %> fixtures/scenarios/ALP-01.json --json',
  ]

  static override strict = false
  static override args = {paths: Args.string({description: 'scenario files or directories', required: true})}
  static override flags = {json: Flags.boolean({description: 'print the results as JSON'})}

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Replay)
    const {readdirSync, statSync, existsSync} = await import('node:fs')
    const {join} = await import('node:path')
    const files: string[] = []
    for (const p of argv as string[]) {
      if (!existsSync(p)) throw new UserInputError(`${p} does not exist; give scenario files or a directory of them`)
      if (statSync(p).isDirectory()) files.push(...readdirSync(p).filter((f) => f.endsWith('.json')).sort().map((f) => join(p, f)))
      else files.push(p)
    }
    if (files.length === 0) throw new UserInputError(`no scenario files (*.json) in ${(argv as string[]).join(' ')}`)
    const {loadScenario, runScenario} = await import('../src/engine/scenario.js')
    const results: {file: string; id: string; ok: boolean; failures: readonly string[]; ms: number}[] = []
    for (const file of files) {
      const scenario = await loadScenario(file)
      const started = performance.now()
      const out = await runScenario(scenario)
      results.push({file, id: scenario.id, ok: out.failures.length === 0, failures: out.failures, ms: Math.round(performance.now() - started)})
    }
    if (flags.json) this.log(JSON.stringify(results, null, 2))
    else {
      for (const r of results) {
        this.log(`${r.ok ? 'pass' : 'FAIL'}  ${r.id.padEnd(16)} ${String(r.ms).padStart(6)} ms  ${r.file}`)
        for (const f of r.failures) this.log(`      ${f}`)
      }
      const failed = results.filter((r) => !r.ok).length
      this.log(`${results.length - failed} passed, ${failed} failed`)
    }
    if (results.some((r) => !r.ok)) this.exit(1)
  }
}
