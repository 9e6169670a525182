/**
 * What the tester's seeds draw their data and strategies from: the single-account scenario files named below
 * (their bars, strategy and parameters; their own fault scripts stay on) and slices of the bundled sample. The
 * list is fixed rather than read from the directory, so a seed keeps its plan when scenario files are added
 * (DST-* regression files among them).
 */
import {join} from 'node:path'
import {packageRoot} from '../data/package-root.js'
import {loadScenario} from '../run/scenario.js'
import type {Base} from './plan.js'
import {samplePool} from './sample-pool.js'

export const BASE_SCENARIOS = [
  'ALP-01', 'ALP-02', 'ALP-05', 'ALP-06', 'ALP-07', 'ALP-11', 'ALP-12', 'ALP-13', 'ALP-16', 'ALP-17',
  'GRID-01', 'GRID-02', 'GRID-03', 'GRID-04', 'GRID-05', 'GRID-05-durable', 'GRID-06', 'GRID-07', 'GRID-08',
  'GRID-10', 'GRID-10-disconnects', 'GRID-10-tp-failures', 'GRID-11',
  'OPS-09', 'OPS-10', 'RISK-01', 'RISK-03', 'RISK-05', 'sim-duplicate-executions',
] as const

export const SCENARIO_DIR = join(packageRoot(), 'fixtures', 'scenarios')

let cached: Promise<Base[]> | undefined

/** The bases, loaded once per process: every scenario file above, then each sample series. */
export function loadBases(): Promise<Base[]> {
  cached ??= (async () => {
    const scenarios = await Promise.all(BASE_SCENARIOS.map((id) => loadScenario(join(SCENARIO_DIR, `${id}.json`))))
    return [...scenarios.map((scenario) => ({kind: 'scenario' as const, scenario})), ...samplePool().map((series) => ({kind: 'sample' as const, series}))]
  })()
  return cached
}
