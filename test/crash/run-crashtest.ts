/**
 * `npm run crashtest` (long): many seeds of the crash harness, a summary line per seed, exit code 1 on any
 * failure. Flags: --seeds N (default 40), --from S (first seed, default 1), --bars B (default 400),
 * --mode durable|naive-json|naive-late-intent.
 * With --strategy grid|momentum (default: signal, the small signal trader) it runs the REAL strategies on the
 * lock-step harness (strategy-harness.ts) instead: --kills K per seed (default 100), --mode durable|naive-truncate|
 * naive-late-intent, --restart-on-bar (sessions after a downtime start at a bar's instant).
 */
import {parseArgs} from 'node:util'
import {z} from 'zod'
import {runCrashTest} from './harness.js'
import {disposeChildBundle, runStrategyCrash} from './strategy-harness.js'

const Args = z.object({
  seeds: z.coerce.number().int().positive().default(40),
  from: z.coerce.number().int().default(1),
  bars: z.coerce.number().int().positive().default(400),
  mode: z.enum(['durable', 'naive-json', 'naive-late-intent', 'naive-truncate']).default('durable'),
  parallel: z.coerce.number().int().positive().default(2),
  strategy: z.enum(['signal', 'grid', 'momentum']).default('signal'),
  kills: z.coerce.number().int().positive().default(100),
  'restart-on-bar': z.boolean().default(false),
})

const parsed = Args.safeParse(parseArgs({options: {seeds: {type: 'string'}, from: {type: 'string'}, bars: {type: 'string'}, mode: {type: 'string'}, parallel: {type: 'string'}, strategy: {type: 'string'}, kills: {type: 'string'}, 'restart-on-bar': {type: 'boolean'}}}).values)
if (!parsed.success) {
  const i = parsed.error.issues[0]
  console.error(`crashtest: --${i.path.join('.')}: ${i.message}`)
  process.exit(2)
}
const a = parsed.data
const strategyModes = ['durable', 'naive-truncate', 'naive-late-intent']
if (a.strategy === 'signal' ? a.mode === 'naive-truncate' : !strategyModes.includes(a.mode)) {
  console.error(`crashtest: --mode ${a.mode} does not apply to --strategy ${a.strategy}; use ${a.strategy === 'signal' ? 'durable, naive-json or naive-late-intent' : strategyModes.join(', ')}`)
  process.exit(2)
}
const started = performance.now()
let kills = 0
let failed = 0
const seeds = Array.from({length: a.seeds}, (_, i) => a.from + i)
async function worker(): Promise<void> {
  for (let s = seeds.shift(); s !== undefined; s = seeds.shift()) {
    if (a.strategy !== 'signal') {
      const r = await runStrategyCrash({strategy: a.strategy, seed: s, kills: a.kills, mode: a.mode as 'durable', restartOnBar: a['restart-on-bar']})
      kills += r.kills
      if (r.failures.length > 0) failed++
      console.log(`${r.strategy} seed ${r.seed}: ${r.kills} kills ${JSON.stringify(r.killsBy)}, ${r.lives} lives, ${r.bars} bars, ${r.venueOrders} venue orders, ${r.venueFills} fills (${r.partialFills} orders in parts), ${r.positionChecks} position checks, ahead ${r.ahead}, ${(r.wallMs / 1000).toFixed(1)} s: ${r.failures.length === 0 ? 'ok' : `${r.failures.length} FAILURES\n  ${r.failures.slice(0, 5).join('\n  ')}`}`)
      continue
    }
    const r = await runCrashTest({seed: s, bars: a.bars, mode: a.mode as 'durable'})
    kills += r.kills
    if (r.failures.length > 0) failed++
    console.log(`seed ${r.seed}: ${r.kills} kills ${JSON.stringify(r.killsBy)}, ${r.lives} lives, ${r.venueOrders} venue orders, ${r.venueFills} fills, ahead ${r.ahead}: ${r.failures.length === 0 ? 'ok' : `${r.failures.length} FAILURES\n  ${r.failures.slice(0, 5).join('\n  ')}`}`)
  }
}
await Promise.all(Array.from({length: a.parallel}, worker))
disposeChildBundle()
console.log(`${a.strategy === 'signal' ? '' : `${a.strategy} `}${a.mode}: ${kills} kill points over ${a.seeds} seeds in ${((performance.now() - started) / 1000).toFixed(1)} s; ${failed === 0 ? 'all checks held' : `${failed} seeds failed`}`)
process.exit(failed === 0 ? 0 : 1)
