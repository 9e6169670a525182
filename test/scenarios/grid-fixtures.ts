/**
 * Writes the GRID scenario files (fixtures/scenarios/GRID-*.json): `npx tsx test/scenarios/grid-fixtures.ts`.
 * Each file carries its bars, the simulator's latency and fault script that set the race up, and the expectations
 * `trader replay` checks; the tests in test/scenarios/GRID-*.test.ts load them and check more.
 */
import {writeFileSync} from 'node:fs'
import {join, resolve} from 'node:path'

const OUT = resolve(import.meta.dirname, '../../fixtures/scenarios')
const T0 = Date.UTC(2024, 0, 1)
const M = 60_000

type BarSpec = number | readonly [number, number, number, number]

/** Minute bars from T0: a number is a flat bar, a tuple is [open, high, low, close]. */
function bars(spec: readonly BarSpec[], volume = 100): (string | number)[][] {
  return spec.map((b, i) => {
    const [o, h, l, c] = typeof b === 'number' ? [b, b, b, b] : b
    return ['BTCUSDT', T0 + i * M, o, h, l, c, volume]
  })
}

const perp = (b: (string | number)[][]) => ({inline: {timeframe: '1m', venue: 'bybit', assetClass: 'crypto_perp', bars: b}})
const P = {baseNotional: 1000, multiplier: 2, maxLevels: 3, gridStepPct: 1, tpPct: 0.5}
const lat20 = {latency: {fixedMs: 20, jitterMs: 0}}

/** JSON with one-space indents, bars one per line (as the files were first written). */
function write(id: string, scenario: Record<string, any>): void {
  const list: unknown[] = scenario.data.inline.bars
  const text = JSON.stringify({...scenario, data: {inline: {...scenario.data.inline, bars: '__BARS__'}}}, null, 1)
  const inner = list.map((b) => `    ${JSON.stringify(b).replace(/,/g, ', ')}`).join(',\n')
  writeFileSync(join(OUT, `${id}.json`), text.replace('"__BARS__"', `[\n${inner}\n   ]`) + '\n')
}

const GRID01_BARS: BarSpec[] = [20000, 20000, 20000, [20000, 20150, 19990, 20120], 20120, [20120, 20210, 20110, 20200], 20200, 20200, 20200]
const FALL_BARS: BarSpec[] = [20000, 20000, 20000, [20000, 20000, 19750, 19780], 19780, [19780, 19780, 19590, 19600], 19600, 19600, 19600]

write('GRID-01', {
  id: 'GRID-01',
  title: 'one leg takes profit while both legs have pending averaging entries: every pending entry on BOTH legs is cancelled before the reopen; no orphan can fill later',
  strategy: 'grid',
  params: P,
  data: perp(bars(GRID01_BARS)),
  sim: {seed: 1, initialCash: 100000, ...lat20},
  expect: {invariants: true, metrics: {grid_tp_cycles_total: {min: 1}, grid_orphan_orders_total: {max: 0}}},
})

write('GRID-02', {
  id: 'GRID-02',
  title: 'position state is saved while other updates land, and a save fails mid-way: every saved record is the whole state taken at one instant, saves land in the order taken, a failed save leaves the previous record',
  strategy: 'grid',
  params: P,
  data: perp(bars([20000, 20000, 20000, [20000, 20000, 19750, 19780], 19780, [19780, 19780, 19590, 19600], 19600, [19600, 19900, 19600, 19880], 19880, 19880])),
  sim: {seed: 1, initialCash: 100000, ...lat20},
  expect: {invariants: true, metrics: {grid_tp_cycles_total: {min: 2}}, journal: {grid_state: {min: 10}}},
})

const slowRest = {request: {fixedMs: 200}, response: {fixedMs: 200}, position: {fixedMs: 50}, order: {fixedMs: 20}, execution: {fixedMs: 20}, account: {fixedMs: 20}}

write('GRID-03', {
  id: 'GRID-03',
  title: "a take-profit close (position size 0) arrives while the periodic sync's position query is in flight: processed at once, no recovery mode, no delay of up to one sync period",
  strategy: 'grid',
  params: {...P, syncIntervalMs: 60000},
  data: perp(bars([20000, 20000, 20000, [20000, 20150, 19990, 20120], 20120, 20120, 20120, 20120])),
  sim: {seed: 1, initialCash: 100000, latencyByKind: slowRest},
  expect: {invariants: true, metrics: {grid_tp_cycles_total: {min: 1, max: 1}, grid_tp_close_latency_ms_max: {max: 50}, grid_restores_total: {max: 1}, grid_orphan_orders_total: {max: 0}}},
})

write('GRID-04', {
  id: 'GRID-04',
  title: 'the websocket reports a new take-profit before the REST call placing it has returned: the update is attributed to the right order (tracked before the call), never treated as stale',
  strategy: 'grid',
  params: P,
  data: perp(bars([20000, 20000, 20000, [20000, 20150, 19990, 20120], 20120, 20120, 20120])),
  sim: {seed: 1, initialCash: 100000, latencyByKind: {request: {fixedMs: 100}, response: {fixedMs: 500}, order: {fixedMs: 10}, position: {fixedMs: 10}, execution: {fixedMs: 10}, account: {fixedMs: 10}}},
  expect: {invariants: true, metrics: {grid_tp_cycles_total: {min: 1, max: 1}, grid_orphan_orders_total: {max: 0}}},
})

write('GRID-05', {
  id: 'GRID-05',
  title: 'websocket events arrive during a restore (after a reconnect): queued during the restore and applied after it, in order; no resync loop',
  strategy: 'grid',
  params: P,
  data: perp(bars([20000, 20000, [20000, 20150, 19990, 20120], 20120, 20120, 20120, 20120])),
  sim: {
    seed: 1,
    initialCash: 100000,
    latencyByKind: {request: {fixedMs: 300}, response: {fixedMs: 300}, order: {fixedMs: 100}, execution: {fixedMs: 250}, position: {fixedMs: 700}, account: {fixedMs: 1300}},
    faults: [{target: 'event', action: 'disconnect', from: T0 + 150000, to: T0 + 180000}],
  },
  expect: {invariants: true, metrics: {grid_resync_loops_total: {max: 0}, grid_restores_total: {min: 2, max: 2}, grid_tp_cycles_total: {min: 1, max: 1}, grid_orphan_orders_total: {max: 0}}},
})

write('GRID-06', {
  id: 'GRID-06',
  title: 'an entry, an averaging order and a reopen each need margin: one balance check per operation, with its context in the log; insufficient balance skips with a clear line',
  strategy: 'grid',
  params: P,
  data: perp(bars(FALL_BARS)),
  sim: {seed: 1, initialCash: 1000, ...lat20},
  expect: {invariants: true, metrics: {grid_tp_cycles_total: {min: 1}, 'grid_balance_insufficient_total{context="averaging"}': {min: 1}}},
})

write('GRID-07', {
  id: 'GRID-07',
  title: 'price moves more than 5 % from where pending entries were placed: they are recalculated and replaced near the market',
  strategy: 'grid',
  params: {...P, tpPct: 6, recalcPct: 5},
  data: perp(bars([20000, 20000, 20000, 20200, 20400, 20600, 20800, 21000, 21100, 21100, 21100, 21100])),
  sim: {seed: 1, initialCash: 100000, ...lat20},
  expect: {invariants: true, metrics: {grid_pending_recalculations_total: {min: 1, max: 1}, grid_orphan_orders_total: {max: 0}}},
})

write('GRID-08', {
  id: 'GRID-08',
  title: 'both legs become flat: the per-level reference quantities are cleared, and the next cycle sizes from the market then',
  strategy: 'grid',
  params: {...P, maxLevels: 0},
  data: perp(bars([20000, 20000, 20000, [20000, 20150, 19990, 20100], 22000, 22000, [22000, 22150, 19850, 22000], 22000, 22000, 22000])),
  sim: {seed: 1, initialCash: 100000, ...lat20},
  expect: {invariants: true, metrics: {grid_reference_qty_clears_total: {min: 1, max: 1}, grid_tp_cycles_total: {min: 3, max: 3}}},
})

write('GRID-09', {
  id: 'GRID-09',
  title: 'four accounts in one process (B on a tight request budget, D with a strategy that fails in the test): public market data read once and shared; state, errors and rate limits isolated per account',
  strategy: 'grid',
  params: P,
  data: perp(bars([20000, 20000, 20000, [20000, 20000, 19750, 19780], 19780, [19780, 19780, 19590, 19600], 19600, [19600, 19900, 19600, 19880], 19880, 19880])),
  sim: {seed: 1, initialCash: 100000, ...lat20},
  accounts: [{id: 'A'}, {id: 'B', params: {baseNotional: 500}, sim: {rateLimit: {requests: 2, windowMs: 1000}}}, {id: 'C'}, {id: 'D'}],
  expect: {invariants: true, metrics: {grid_tp_cycles_total: {min: 1}}},
})

const LOSS_PRICES = [20000, 20000, 20000, 19780, 19600, 19400, 19200, 19000, 18800, 18600, 18600, 18600, 18700, 18800, 18900, 19000, 19100, 19100, 19100, 19100, 19100, 19100]
write('GRID-10', {
  id: 'GRID-10',
  title: 'loss over 5 %: emergency stop — no new orders, a persisted flag, a clear alert; a restart keeps it until it is cleared',
  strategy: 'grid',
  params: P,
  data: perp(bars(LOSS_PRICES)),
  sim: {seed: 1, initialCash: 10000, ...lat20},
  restartAt: [T0 + 12 * M + 30000, T0 + 16 * M + 30000],
  expect: {invariants: true, metrics: {grid_emergency_stops_total: {min: 1, max: 1}}},
})

write('GRID-10-disconnects', {
  id: 'GRID-10-disconnects',
  title: 'more than 5 event-stream disconnects within an hour: emergency stop',
  strategy: 'grid',
  params: P,
  data: perp(bars(Array.from({length: 40}, () => 20000))),
  sim: {seed: 1, initialCash: 100000, ...lat20, faults: [0, 1, 2, 3, 4, 5].map((k) => ({target: 'event', action: 'disconnect', from: T0 + (5 + 5 * k) * M + 10000, to: T0 + (5 + 5 * k) * M + 20000}))},
  expect: {invariants: true, metrics: {grid_emergency_stops_total: {min: 1, max: 1}, grid_emergency_stop_active: {min: 1}}},
})

write('GRID-10-tp-failures', {
  id: 'GRID-10-tp-failures',
  title: 'more than 2 failed take-profit placements in a row: emergency stop',
  strategy: 'grid',
  params: P,
  data: perp(bars(Array.from({length: 8}, () => 20000))),
  sim: {seed: 1, initialCash: 100000, ...lat20, faults: [{target: 'request', kinds: ['submit'], action: 'fail', from: T0 + 2 * M, to: T0 + 2 * M + 5000}]},
  expect: {invariants: true, metrics: {grid_emergency_stops_total: {min: 1, max: 1}, grid_tp_failures_total: {min: 3}}},
})

write('GRID-11', {
  id: 'GRID-11',
  title: "a session with a close during a sync, pending entries on both legs at a close, a stream outage with events during the restore: metrics for TP-close latency, orphan orders, resync loops and balance API calls, true to the venue's record",
  strategy: 'grid',
  params: {...P, syncIntervalMs: 60000},
  data: perp(bars([20000, 20000, 20000, [20000, 20150, 19990, 20120], 20120, [20120, 20210, 20110, 20200], [20200, 20200, 20000, 20050], 20050, 20050, 20050, 20050])),
  sim: {seed: 1, initialCash: 100000, latencyByKind: slowRest, faults: [{target: 'event', action: 'disconnect', from: T0 + 400000, to: T0 + 420000}]},
  expect: {invariants: true, metrics: {grid_tp_cycles_total: {min: 2}, grid_tp_close_latency_ms_max: {max: 1000}, grid_orphan_orders_total: {max: 0}, grid_resync_loops_total: {max: 0}}},
})
