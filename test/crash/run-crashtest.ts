/**
 * `npm run crashtest` (long): many seeds of the crash harness, a summary line per seed, exit code 1 on any
 * failure. Flags: --seeds N (default 40), --from S (first seed, default 1), --bars B (default 400),
 * --mode durable|naive-json|naive-late-intent.
 */
import {parseArgs} from 'node:util'
import {z} from 'zod'
import {runCrashTest} from './harness.js'

const Args = z.object({
  seeds: z.coerce.number().int().positive().default(40),
  from: z.coerce.number().int().default(1),
  bars: z.coerce.number().int().positive().default(400),
  mode: z.enum(['durable', 'naive-json', 'naive-late-intent']).default('durable'),
  parallel: z.coerce.number().int().positive().default(2),
})

const parsed = Args.safeParse(parseArgs({options: {seeds: {type: 'string'}, from: {type: 'string'}, bars: {type: 'string'}, mode: {type: 'string'}, parallel: {type: 'string'}}}).values)
if (!parsed.success) {
  const i = parsed.error.issues[0]
  console.error(`crashtest: --${i.path.join('.')}: ${i.message}`)
  process.exit(2)
}
const a = parsed.data
const started = performance.now()
let kills = 0
let failed = 0
const seeds = Array.from({length: a.seeds}, (_, i) => a.from + i)
async function worker(): Promise<void> {
  for (let s = seeds.shift(); s !== undefined; s = seeds.shift()) {
    const r = await runCrashTest({seed: s, bars: a.bars, mode: a.mode})
    kills += r.kills
    if (r.failures.length > 0) failed++
    console.log(`seed ${r.seed}: ${r.kills} kills ${JSON.stringify(r.killsBy)}, ${r.lives} lives, ${r.venueOrders} venue orders, ${r.venueFills} fills, ahead ${r.ahead}: ${r.failures.length === 0 ? 'ok' : `${r.failures.length} FAILURES\n  ${r.failures.slice(0, 5).join('\n  ')}`}`)
  }
}
await Promise.all(Array.from({length: a.parallel}, worker))
console.log(`${a.mode}: ${kills} kill points over ${a.seeds} seeds in ${((performance.now() - started) / 1000).toFixed(1)} s; ${failed === 0 ? 'all checks held' : `${failed} seeds failed`}`)
process.exit(failed === 0 ? 0 : 1)
