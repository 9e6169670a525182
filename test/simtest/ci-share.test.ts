/**
 * The CI share of the simulation tester: 1,000 seeds from a base taken from the commit under test (each commit
 * explores new seeds; the same commit always the same ones), in this process. Every failing seed is listed with
 * its one-line repro (`trader simtest --seed N`).
 */
import {resolve} from 'node:path'
import {describe, expect, it} from 'vitest'
import {reportLines, runCampaign} from '../../src/simtest/campaign.js'
import {commitBase} from '../../src/simtest/ci-base.js'

const SEEDS = Number(process.env.TRADER_SIMTEST_SEEDS ?? 1000)

describe('simulation tester, CI share', () => {
  it(`${SEEDS} seeds seeded from the commit pass every invariant, and a tenth of them run twice to the same journal hash`, async () => {
    const {base, from} = commitBase(resolve(import.meta.dirname, '../..'))
    const report = await runCampaign({base, count: SEEDS, workers: 1})
    console.log([`base seed ${base} from ${from}`, ...reportLines(report)].join('\n'))
    expect(report.seeds).toBe(SEEDS)
    expect(report.determinismChecked).toBeGreaterThanOrEqual(Math.floor(SEEDS / 10) - 1)
    // Faults of every kind were drawn.
    for (const [kind, n] of Object.entries(report.seedsWithFault)) expect(n, kind).toBeGreaterThan(0)
    expect(report.failing.map((s) => `trader simtest --seed ${s.seed}: ${s.violations[0].rule}: ${s.violations[0].detail}`)).toEqual([])
  }, 300_000)
})
