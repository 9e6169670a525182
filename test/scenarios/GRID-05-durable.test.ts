/**
 * GRID-05 on disk: websocket events arrive during the restore that follows a crash. Required: the restarted grid
 * starts from the state it persisted (stateDir, no in-memory hand-over), and the events that arrive while its
 * start-up restore runs are queued and applied after it, in order, with no resync loop.
 *
 * Set-up (fixtures/scenarios/GRID-05-durable.json): both legs are open with their take-profits and averaging
 * entries resting when the process dies at R = T0+179.6 s (`restartAt`; the old instance is disposed as a crash
 * leaves it: no final write). The next instance is built with `stateDir` only and reads `grid.state.json`. Its
 * start-up restore queries take 300 ms each way: the venue answers at R+300 ms (before the long take-profit fills
 * at the gap open of the bar at T0+180 s, so the answer still shows it resting) and the answer lands at R+600 ms. The
 * take-profit's order event (filled) arrives at R+500 ms — during the restore — and its execution, position and
 * account events at R+650, R+1100 and R+1700 ms.
 *
 * Bites: (a) a restore that lets events through before the state from disk is loaded (the disk record is read
 * when the venue's answer arrives) loses the fill report: the filled take-profit comes back from the disk as
 * resting, and the grid sends a cancel for its own filled order; (b) the seed handler (events during a restore
 * flag a resync and are dropped) restores again in a loop and loses the events.
 */
import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {GRID_STATE_FILE, type GridOptions, type GridParams, GridStateFile, type GridStateRecord, GridStrategy} from '../../strategies/grid/index.js'
import type {GridOverrides} from '../../strategies/grid/hooks.js'
import type {GridRuntime} from '../../strategies/grid/runtime.js'
import {ResyncLoopGrid} from './grid-naive.js'
import {type GridMaker, type GridRun, gridViolations, loadGrid, metric, runGrid, T0} from './grid-harness.js'

const R = T0 + 179_600
const TP = 'grid-BTCUSDT_3-L_t0-1'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, {recursive: true, force: true})
})

/**
 * TEST-ONLY: the events are let through during the restore, and the record on disk is loaded only when the
 * venue's answer arrives (a bot that starts its websocket callbacks before its state is back).
 */
class LoadLateGrid extends GridStrategy {
  constructor(params: GridParams, opts: GridOptions = {}) {
    super(params, {...opts, overrides: loadLate})
  }
}

function loadLate(rt: GridRuntime): GridOverrides {
  let fromDisk: GridStateRecord | undefined
  let restoreStarted = false
  return {
    persistence: {
      load: (r) => {
        if (!restoreStarted) fromDisk = r
        else rt.parts.store.load(r)
      },
    },
    sync: {
      restore: (reason) => {
        restoreStarted = true
        rt.parts.sync.restore(reason)
        rt.inbox.resume()
      },
      applyRestore: (positions, open, fills, sentAt) => {
        if (fromDisk) rt.parts.store.load(fromDisk)
        fromDisk = undefined
        rt.parts.sync.applyRestore(positions, open, fills, sentAt)
      },
    },
  }
}

/**
 * Every instance starts from the state directory alone (no snapshot handed over), and the one replaced at the
 * restart dies as a crash leaves it: no final write, no further input. `beforeStart` runs before each start.
 */
function fromDisk(make: GridMaker, beforeStart: (n: number) => void = () => {}): GridMaker {
  let n = 0
  return (p, o) => {
    beforeStart(n++)
    const s = make(p, {...o, restoreFrom: undefined})
    s.stop = () => s.dispose()
    return s
  }
}

async function runDurable(make: GridMaker, beforeStart?: (n: number) => void): Promise<GridRun & {dir: string}> {
  const dir = mkdtempSync(join(tmpdir(), 'trader-grid05-durable-'))
  dirs.push(dir)
  const s = await loadGrid('GRID-05-durable')
  const run = await runGrid({...s, params: {...s.params, stateDir: dir}}, fromDisk(make, beforeStart))
  return {...run, dir}
}

/** Inputs of the restarted instance that arrived while its restore ran (its own decision passes aside), with when they were applied. */
function duringRestore(run: GridRun): [string, number, number][] {
  return run.strategy.trace.filter((e) => e.arrivedAt > R && e.arrivedAt < R + 600 && e.label !== 'decide').map((e) => [e.label, e.arrivedAt - R, e.appliedAt - R])
}

const cancelsOf = (run: GridRun, cid: string): number =>
  run.out.journal.records.filter((r) => r.type === 'cancel_intent' && (r.data as {clientOrderId?: string}).clientOrderId === cid).length

describe('GRID-05 durable: events during the restore after a crash', () => {
  it('loads the state from disk, queues the events that arrive during the restore and applies them after it, in order', async () => {
    const run = await runDurable((p, o) => new GridStrategy(p, o))
    expect(run.out.failures).toEqual([])
    expect(gridViolations(run)).toEqual([])
    expect(run.instances).toHaveLength(2)
    const [before, after] = run.instances

    // The restarted instance read the last record the crashed one wrote, and nothing else.
    const recovered = run.out.journal.records.filter((r) => r.type === 'grid_state_recovered').map((r) => [r.t, (r.data as {t: number | null}).t])
    expect(recovered).toEqual([
      [T0, null],
      [R, before.snapshot()!.t],
    ])
    // Every order resting at the crash came back from the disk: the restore adopted none of them.
    expect(after.noted.filter((n) => n.what === 'adopted_order')).toEqual([])

    // One restore from R to R+600 ms, no loop.
    const restores = after.noted.filter((n) => n.what.startsWith('restore_')).map((n) => [n.what, n.t - R])
    expect(restores).toEqual([
      ['restore_start', 0],
      ['restore_done', 600],
    ])
    expect(metric(run, 'grid_restores_total')).toBe(2)
    expect(metric(run, 'grid_resync_loops_total')).toBe(0)

    // The venue's events delivered while the restore ran ...
    const events = run.out.journal.records.filter((r) => r.type === 'event' && r.t > R)
    const during = events.filter((r) => r.t < R + 600).map((r) => [(r.data as {kind: string}).kind, r.t - R])
    expect(during).toEqual([['order', 500]])
    // ... waited with the bar of that instant and were applied at its end, in the order they arrived.
    expect(duringRestore(run)).toEqual([
      ['bar', 400, 600],
      ['event:order', 500, 600],
    ])
    // The take-profit the disk held as resting ended on that queued report, at the end of the restore.
    expect(after.noted.filter((n) => n.what === 'ended' && n.data.cid === TP).map((n) => n.t - R)).toEqual([600])
    expect(cancelsOf(run, TP)).toBe(0)
    // Every event delivered after the restart reached the restarted grid.
    expect(after.trace.filter((e) => e.label.startsWith('event:')).length).toBe(events.length)
    // And the file on disk holds the restarted instance's state.
    expect(new GridStateFile(run.dir).read()).toEqual(after.snapshot())
  })

  it('the state really comes from the disk: without the file the restore has to adopt the resting orders', async () => {
    let dir = ''
    const run = await runDurable((p, o) => {
      dir = p.stateDir!
      return new GridStrategy(p, o)
    }, (n) => n === 1 && rmSync(join(dir, GRID_STATE_FILE), {force: true}))
    expect(existsSync(join(run.dir, GRID_STATE_FILE))).toBe(true)
    const recovered = run.out.journal.records.filter((r) => r.type === 'grid_state_recovered').map((r) => (r.data as {t: number | null}).t)
    expect(recovered).toEqual([null, null])
    expect(run.strategy.noted.filter((n) => n.what === 'adopted_order').length).toBeGreaterThan(0)
  })

  it('bites: events let through before the state from disk is loaded lose the fill; the grid cancels its own filled take-profit', async () => {
    const run = await runDurable((p, o) => new LoadLateGrid(p, o))
    // The fill report was applied at once, to a model that did not hold the take-profit yet ...
    expect(duringRestore(run)).toEqual([
      ['bar', 400, 400],
      ['event:order', 500, 500],
    ])
    // ... so it was lost: the disk brought the take-profit back as resting, a cancel went out for the filled
    // order, and the take-profit only ended when the venue refused that cancel and was asked about it.
    expect(cancelsOf(run, TP)).toBe(1)
    expect(run.out.journal.records.some((r) => r.type === 'cancel_failed' && (r.data as {ref: {clientOrderId: string}}).ref.clientOrderId === TP)).toBe(true)
    const ended = run.strategy.noted.filter((n) => n.what === 'ended' && n.data.cid === TP).map((n) => n.t - R)
    expect(ended).toHaveLength(1)
    expect(ended[0]).toBeGreaterThan(600)
  })

  it('bites: the seed handler (events during a restore flag a resync and are dropped) loops and loses them', async () => {
    const run = await runDurable((p, o) => new ResyncLoopGrid(p, o))
    expect(run.out.failures.length).toBeGreaterThan(0)
    expect(metric(run, 'grid_resync_loops_total')).toBeGreaterThan(0)
    expect(metric(run, 'grid_restores_total')).toBeGreaterThan(2)
    expect(run.strategy.noted.filter((n) => n.what === 'dropped_during_restore').length).toBeGreaterThanOrEqual(2)
    const events = run.out.journal.records.filter((r) => r.type === 'event' && r.t > R).length
    expect(run.strategy.trace.filter((e) => e.label.startsWith('event:')).length).toBeLessThan(events)
  })
})
