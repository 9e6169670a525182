/**
 * The long live crash test: `npx tsx test/crash/run-live-crash.ts [--kills N] [--seeds N] [--strategy grid|momentum]
 * [--naive] [--params JSON] [--keep]`. Prints one line per seed and exits 1 on any violation (with --naive: on none).
 */
import {parseArgs} from 'node:util'
import {type LiveCase, runLiveCrash} from './live-crash.js'

const {values} = parseArgs({options: {
  kills: {type: 'string', default: '25'}, seeds: {type: 'string', default: '2'}, strategy: {type: 'string'},
  naive: {type: 'boolean', default: false}, params: {type: 'string'}, keep: {type: 'boolean', default: false}, seed: {type: 'string', default: '1'},
}})
const cases: LiveCase[] = values.strategy ? [values.strategy as LiveCase] : ['grid', 'momentum']
let bad = 0
let kills = 0
const t0 = performance.now()
for (const strategy of cases) {
  for (let i = 0; i < Number(values.seeds); i++) {
    const seed = Number(values.seed) + i
    const r = await runLiveCrash({strategy, kills: Number(values.kills), seed, withoutStateDir: values.naive, keep: values.keep, ...(values.params ? {params: JSON.parse(values.params) as Record<string, unknown>} : {})})
    kills += r.killPoints.length
    const startup = r.killPoints.filter((k) => k.phase === 'startup').length
    console.log(`${strategy} seed ${seed}: ${r.killPoints.length} kills (${startup} in start-up), ${r.runs} runs, epochs ${r.epochs.join(',')}, ` +
      `${r.orders} orders, ${r.fills} fills (${r.fillsAfterStop} after the clean stop), position checks ${r.positionChecks}, start-up reconciles ${r.startupReconciles}, ` +
      `torn tails ${r.tornTails.length}, replays ${r.replays.passed}/${r.replays.journals} passed (${r.replays.killed} killed), ${r.violations.length} violations, ${(r.wallMs / 1000).toFixed(1)} s${values.keep ? ` (${r.dir})` : ''}`)
    for (const v of r.violations.slice(0, 20)) console.log(`  ✗ ${v}`)
    for (const t of r.tornTails) console.log(`  torn: ${t}`)
    if (r.violations.length > 0) bad++
  }
}
console.log(`${kills} kill points, ${bad} failing runs, ${((performance.now() - t0) / 1000).toFixed(1)} s`)
process.exitCode = values.naive ? (bad > 0 ? 0 : 1) : bad > 0 ? 1 : 0
