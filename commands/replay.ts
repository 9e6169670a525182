import {Args, Flags} from '@oclif/core'
import {TraderCommand} from '../src/ops/cli-command.js'
import {UserInputError} from '../src/core/errors.js'
import type {RecordingEnd} from '../src/run/live/replay-live.js'

export default class Replay extends TraderCommand {
  static override summary = 'Replay session journals or run scenario files, and report every divergence, invariant violation or unmet expectation.'

  static override description = `A journal (written by \`trader backtest --journal\`; *.journal, *.jsonl or any checksum-framed journal file) is fed
back through the same wiring and strategy code on a virtual clock: the recorded venue messages arrive at their
recorded times, each request is answered from the recording. Divergences (a request the recording did not have, one
it had that replay did not make, a changed price, size or side, any other record that differs) and invariant
violations are printed; a faithful replay ends with the recording's journal hash. Paper and live journals replay the
same way; one without its end record (a killed session) is replayed up to its last intact record, and the report says
where it ends and what was in flight. A replay runs the strategy on its own temporary copy of the state files the
session started from (recorded in the journal): it never reads or writes the account's state, lock or kill switch.
A scenario (*.json: data slice + fault script + expectations) runs through the same engine and simulator as a
backtest and checks its expectations and the general invariants; its journal starts with the scenario itself, so
\`--journal-dir\` keeps journals that replay exactly, restarts and outside actions included. A directory runs every
*.json scenario and every *.journal in it. Exits 1 when anything diverges or fails.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> fixtures/scenarios',
    '<%= config.bin %> <%= command.id %> fixtures/scenarios/ALP-01.json --json',
    '<%= config.bin %> <%= command.id %> run.journal',
    '<%= config.bin %> <%= command.id %> fixtures/scenarios --journal-dir out/journals && <%= config.bin %> <%= command.id %> out/journals',
  ]

  static override strict = false
  static override args = {paths: Args.string({description: 'journal files, scenario files or directories of scenarios', required: true})}
  static override flags = {
    json: Flags.boolean({description: 'print the results as JSON'}),
    'journal-dir': Flags.string({description: "write each scenario run's session journal to DIR/<id>.journal (replayable with `trader replay`)"}),
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parse(Replay)
    const {readdirSync, statSync, existsSync} = await import('node:fs')
    const {join} = await import('node:path')
    const files: string[] = []
    for (const p of argv as string[]) {
      if (!existsSync(p)) throw new UserInputError(`${p} does not exist; give journal files, scenario files or a directory of scenarios`)
      // A segmented journal's index (X.journal.index.json) is read with its first segment, not as a scenario.
      if (statSync(p).isDirectory()) files.push(...readdirSync(p).filter((f) => (f.endsWith('.json') && !f.endsWith('.journal.index.json')) || f.endsWith('.journal')).sort().map((f) => join(p, f)))
      else if (statSync(p).size === 0) throw new UserInputError(`${p} is empty: neither a journal nor a scenario; a recording that stopped before its first record leaves nothing to replay`)
      else files.push(p)
    }
    if (files.length === 0) throw new UserInputError(`no scenario files (*.json) or journals (*.journal) in ${(argv as string[]).join(' ')}`)
    const journalDir = flags['journal-dir']
    if (journalDir) (await import('node:fs')).mkdirSync(journalDir, {recursive: true, mode: 0o700})
    const {isJournalFile} = await import('../src/run/replay-input.js')
    const isLiveJournalFile = async (file: string): Promise<boolean> => {
      // Only the header: the whole file is read once, by the replay.
      const {readJournalHead} = await import('../src/state/journal-file.js')
      const {isLiveJournal} = await import('../src/run/live/replay-live.js')
      return isLiveJournal(readJournalHead(file, 1))
    }
    const results: {file: string; id: string; ok: boolean; failures: readonly string[]; ms: number; replay?: unknown}[] = []
    for (const file of files) {
      const started = performance.now()
      if (isJournalFile(file) && (await isLiveJournalFile(file))) {
        const {replayLiveFile} = await import('../src/run/live/replay-live.js')
        // A killed session's journal has no end record: said at once (from the file's tail), before the replay loads it.
        const r = await replayLiveFile(file, {
          onUnended: (tail) => {
            const at = tail.last ? ` (its last record: ${tail.last.type} at ${new Date(tail.last.t).toISOString()})` : ''
            this.logToStderr(`note: ${file} has no session_end record${at}: the session was killed or is still running; replaying it up to its last intact record`)
          },
        })
        const failures = [
          ...(r.failure ? [r.failure] : []),
          ...r.divergences.map((d) => `divergence ${d.kind} at ${d.t}: ${d.detail}`),
          ...(r.divergenceCount > r.divergences.length ? [`… ${r.divergenceCount - r.divergences.length} more divergences`] : []),
          ...r.violations.map((v) => `invariant ${v.rule}: ${v.detail}`),
          ...(r.unmatchedRequests > 0 ? [`${r.unmatchedRequests} request(s) the recording does not hold`] : []),
          ...(r.recordedHash === r.replayedHash ? [] : [`journal hash ${r.replayedHash} differs from the recording's ${r.recordedHash}`]),
        ]
        const replay = {records: r.recordedRecords, replayed: r.replayedRecords, delivered: r.delivered, bars: r.bars, recordedHash: r.recordedHash, replayedHash: r.replayedHash, divergences: r.divergenceCount, violations: r.violations.length, eventsPerSecond: Math.round(r.recordsPerSecond), ...(r.end ? {end: r.end} : {})}
        results.push({file, id: `${r.header.mode}:${r.header.venue}:${r.header.strategy}`, ok: r.ok, failures, ms: Math.round(performance.now() - started), replay})
        continue
      }
      if (isJournalFile(file)) {
        const {replayJournal} = await import('../src/run/replay.js')
        const r = await replayJournal(file)
        const failures = [
          ...r.divergences.map((d) => `divergence ${d.kind} at ${d.t}: ${d.detail}`),
          ...(r.divergenceCount > r.divergences.length ? [`… ${r.divergenceCount - r.divergences.length} more divergences`] : []),
          ...r.violations.map((v) => `invariant ${v.rule}: ${v.detail}`),
          ...(r.recordedHash === r.replayedHash ? [] : [`journal hash ${r.replayedHash} differs from the recording's ${r.recordedHash}`]),
        ]
        const replay = {records: r.recordedRecords, replayed: r.replayedRecords, delivered: r.delivered, bars: r.bars, recordedHash: r.recordedHash, replayedHash: r.replayedHash, divergences: r.divergenceCount, violations: r.violations.length, eventsPerSecond: Math.round(r.eventsPerSecond)}
        results.push({file, id: `${r.header.mode}:${r.header.strategy}`, ok: r.ok, failures, ms: Math.round(performance.now() - started), replay})
        continue
      }
      const {loadScenario, runScenario} = await import('../src/run/scenario.js')
      const scenario = await loadScenario(file)
      const out = await runScenario(scenario)
      if (journalDir && out.journal.records[0]?.type !== 'session') {
        this.logToStderr(`note: ${scenario.id} runs several accounts in one run; its journals are not replayable on their own, none written`)
      } else if (journalDir) {
        const {frameJournal} = await import('../src/state/journal-file.js')
        const {writeFileSync} = await import('node:fs')
        writeFileSync(join(journalDir, `${scenario.id}.journal`), frameJournal(out.journal.records), {mode: 0o600})
      }
      results.push({file, id: scenario.id, ok: out.failures.length === 0, failures: out.failures, ms: Math.round(performance.now() - started)})
    }
    if (flags.json) this.log(JSON.stringify(results, null, 2))
    else {
      for (const r of results) {
        this.log(`${r.ok ? 'pass' : 'FAIL'}  ${r.id.padEnd(16)} ${String(r.ms).padStart(6)} ms  ${r.file}`)
        if (r.replay) {
          const x = r.replay as {records: number; delivered: number; bars: number; replayedHash: string; eventsPerSecond: number; end?: RecordingEnd}
          this.log(`      ${x.records} records, ${x.delivered} venue messages, ${x.bars} bars, ${x.eventsPerSecond.toLocaleString('en-US')} records/s, journal sha256 ${x.replayedHash}`)
          if (x.end) for (const line of describeEnd(x.end)) this.log(`      ${line}`)
        }
        for (const f of r.failures.slice(0, 50)) this.log(`      ${f}`)
        if (r.failures.length > 50) this.log(`      … ${r.failures.length - 50} more (see --json)`)
      }
      const failed = results.filter((r) => !r.ok).length
      this.log(`${results.length - failed} passed, ${failed} failed`)
    }
    // exitCode, not exit(): a large report must reach a pipe in full before the process ends.
    if (results.some((r) => !r.ok)) process.exitCode = 1
  }
}

/** Where a killed session's recording ends and what it left in flight, for the text report. */
function describeEnd(e: RecordingEnd): string[] {
  const torn = e.tornTail ? `, then ${e.tornTail.bytes} torn byte(s) at byte ${e.tornTail.offset} (${e.tornTail.reason})` : ''
  const lines = [`recording ends at record #${e.index} (${e.type} at ${new Date(e.t).toISOString()}) without its end record${torn}; compared up to there, ${e.beyond} replayed record(s) past it not compared`]
  const orders = e.orders.map((o) => `${o.clientOrderId} ${o.side} ${o.symbol} ${o.status}`)
  const requests = e.requests.map((q) => `#${q.n} ${q.endpoint} at ${new Date(q.t).toISOString()}`)
  lines.push(`in flight at the end: ${orders.length} order(s) without a final state${orders.length ? ` (${orders.slice(0, 10).join('; ')}${orders.length > 10 ? '; …' : ''})` : ''}, ` +
    `${requests.length} request(s) without an answer${requests.length ? ` (${requests.slice(0, 10).join('; ')}${requests.length > 10 ? '; …' : ''})` : ''}`)
  return lines
}
