/**
 * A failing seed's repro: its scenario file (the plan as run: bars, strategy, parameters, faults) and its session
 * journal, both replayable with `trader replay`, plus the one line that reruns it.
 */
import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {frameRecord} from '../state/journal-file.js'
import type {SeedOutcome} from './run-seed.js'

export interface ReproFiles {
  readonly scenario: string
  readonly journal: string | undefined
}

/** The command that reruns one seed. */
export function reproLine(seed: number): string {
  return `trader simtest --seed ${seed}`
}

/** Writes `DST-<seed>.json` (the scenario) and `DST-<seed>.journal` (when the run left one) into `dir`. */
export function writeRepro(dir: string, o: SeedOutcome): ReproFiles {
  mkdirSync(dir, {recursive: true, mode: 0o700})
  const rules = [...new Set(o.violations.map((v) => v.rule))].join(', ')
  const scenario = {...o.scenario, title: `${o.scenario.title}; FAILED: ${rules}`}
  const file = join(dir, `DST-${o.plan.seed}.json`)
  writeFileSync(file, `${JSON.stringify(scenario, null, 1)}\n`, {mode: 0o600})
  let journal: string | undefined
  if (o.records.length > 0 && o.records[0].type === 'session') {
    journal = join(dir, `DST-${o.plan.seed}.journal`)
    writeFileSync(journal, o.records.map((r) => frameRecord(r)).join(''), {mode: 0o600})
  }
  return {scenario: file, journal}
}
