/**
 * A child process for GRID-02 on disk: writes an OLD grid state record completely, then starts writing a NEW one
 * and dies (SIGKILL) at the n-th file-system step of that save: half-way through a write (a torn write), or just
 * before an fsync or a rename.
 * `atomic` saves through `GridStateFile` (temp file, fsync, rename, fsync the directory); `naive` rewrites the file
 * in place (truncate, then write), as the old bot did. Usage: grid-save-child.ts DIR atomic|naive N [SIZE]
 */
import fs from 'node:fs'
import {syncBuiltinESMExports} from 'node:module'
import {join} from 'node:path'
import {GRID_STATE_FILE, GridStateFile, type GridStateRecord} from '../../strategies/grid/state.js'

/** A valid record; `t` and the reference quantities tell the old one from the new one. */
export function gridRecord(t: number, levels: number): GridStateRecord {
  const slot = {cid: `g-${t}`, level: 1, qty: t, price: 100 + t, placedAtMarket: 100, cycle: t}
  const leg = (side: 'long' | 'short') => ({side, size: t, avg: 100, level: 1, lastEntryPrice: 100, wantOpen: true, opening: null, tp: slot, entry: slot})
  return {
    v: 1,
    t,
    nextOrderNo: t * 10,
    emergency: {active: t % 2 === 0, reason: t % 2 === 0 ? 'test' : null, since: t % 2 === 0 ? t : null, stops: [], disconnects: [], failedTpInRow: 0, baselineEquity: 10_000},
    grids: [{symbol: 'BTCUSDT', phase: 'running', cycle: t, refs: Array.from({length: levels}, (_, i) => t * 1000 + i), legs: [leg('long'), leg('short')]}],
  }
}

function naiveWrite(dir: string, rec: GridStateRecord): void {
  const bytes = Buffer.from(JSON.stringify(rec))
  const fd = fs.openSync(join(dir, GRID_STATE_FILE), 'w') // O_TRUNC: the old record is gone from here on
  for (let off = 0; off < bytes.length; off += 4096) fs.writeSync(fd, bytes, off, Math.min(4096, bytes.length - off), off)
  fs.closeSync(fd)
}

if (process.argv[1]?.endsWith('grid-save-child.ts')) {
  const [dir, mode, nRaw, sizeRaw] = process.argv.slice(2)
  const n = Number(nRaw)
  const levels = Number(sizeRaw ?? 20_000)
  const file = new GridStateFile(dir)
  const save = (rec: GridStateRecord): void => (mode === 'naive' ? naiveWrite(dir, rec) : file.write(rec))
  save(gridRecord(1, levels))
  // From here the n-th file-system step of the save kills the process: a write writes half its bytes first; an
  // fsync or a rename dies before it happens.
  const real = fs as unknown as Record<string, (...a: unknown[]) => unknown>
  let calls = 0
  for (const name of ['writeSync', 'fsyncSync', 'renameSync']) {
    const orig = real[name].bind(fs)
    real[name] = (...a: unknown[]): unknown => {
      if (++calls === n) {
        if (name === 'writeSync') orig(a[0], a[1], a[2] ?? 0, Math.max(1, (Number(a[3] ?? (a[1] as Uint8Array).length)) >> 1), a[4])
        process.kill(process.pid, 'SIGKILL')
      }
      return orig(...a)
    }
  }
  syncBuiltinESMExports()
  save(gridRecord(2, levels))
  process.exit(0) // the save finished before the n-th write
}
