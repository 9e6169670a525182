/**
 * RISK-04: the audit trail cannot be written (a full disk: the writer appends to /dev/full, a real ENOSPC, for a
 * stretch of the session). Required: reported clearly and retried; trading pauses rather than trading unaudited.
 * Set-up: a toggling trader (enter when flat, exit when long, every 10 bars) on one symbol; the disk is full from
 * bar 90 to bar 180, so a position is held when it fills up (its exit must still go out) and two entries fall due
 * inside the outage (they must be refused with `audit_unavailable`). Afterwards every order and fill is on the
 * trail, in CSV and Parquet. Bite: the seed's audit.py (log the error, try again once, drop the line, keep trading)
 * sends the entries during the outage and loses their lines.
 */
import {appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {defaultInstrument} from '../../src/core/instrument.js'
import type {Bar} from '../../src/core/market-data.js'
import {runBacktest} from '../../src/run/backtest.js'
import {MemoryLog} from '../../src/engine/engine-log.js'
import {Journal} from '../../src/engine/journal.js'
import type {Strategy, StrategyContext} from '../../src/engine/strategy.js'
import type {OrderRequest} from '../../src/core/order.js'
import {AuditTrail, type AuditFile, fileAuditWriter, type AuditWriter} from '../../src/risk/audit-trail.js'
import {profileFor} from '../../src/sim/venue-profile.js'
import {memoryStream, type Row} from '../support/memory-stream.js'

const T0 = Date.UTC(2024, 0, 2)
const TF = 60_000
const BARS = 300
const OUTAGE = {from: T0 + 90 * TF, to: T0 + 180 * TF}
const root = mkdtempSync(join(tmpdir(), 'trader-risk04-'))
afterAll(() => rmSync(root, {recursive: true, force: true}))

/** Enters when flat and exits when long, every 10th bar; also says when the disk is full (bar time in OUTAGE). */
function toggler(disk: {full: boolean}): Strategy {
  let ctx!: StrategyContext
  let n = 0
  return {
    name: 'toggle',
    start(c) {
      ctx = c
    },
    onBar(bar: Bar) {
      disk.full = bar.ts >= OUTAGE.from && bar.ts < OUTAGE.to
      if (++n % 10 !== 5) return
      const held = ctx.account.positions.qty(bar.symbol, 'net')
      const req: OrderRequest = {clientOrderId: ctx.clientOrderId(`b${n}`, held > 0 ? 'x' : 'e'), symbol: bar.symbol, side: held > 0 ? 'sell' : 'buy', type: 'market', qty: held > 0 ? held : 10, tif: 'gtc'}
      void ctx.orders.submit(req, {reason: held > 0 ? 'exit' : 'entry'})
    },
  }
}

/** The file writer, except that while the disk is "full" every line goes to /dev/full (ENOSPC). */
function fullDiskWriter(dir: string, disk: {full: boolean}): AuditWriter {
  const files = fileAuditWriter(dir)
  return {
    append(file: AuditFile, text: string) {
      if (disk.full) appendFileSync('/dev/full', text)
      files.append(file, text)
    },
  }
}

/** The seed's audit.py: on a write error log it, try once more, then drop the line and carry on trading. */
class NaiveAudit extends AuditTrail {
  override get available(): boolean {
    return true
  }
  override tryIntent(t: number, req: OrderRequest, reason: string | undefined): boolean {
    this.intent(t, req, reason)
    return true
  }
}

function rows(): Row[] {
  const out: Row[] = []
  for (let i = 0; i < BARS; i++) {
    const p = 100 + Math.sin(i / 7)
    out.push({symbol: 'XYZ', ts: T0 + i * TF, open: p, high: p + 0.2, low: p - 0.2, close: p, volume: 1000})
  }
  return out
}

async function run(name: string, make: (dir: string, writer: AuditWriter, log: MemoryLog) => AuditTrail) {
  const dir = join(root, name)
  const disk = {full: false}
  const log = new MemoryLog()
  const audit = make(dir, fullDiskWriter(dir, disk), log)
  const journal = new Journal({keep: true})
  const result = await runBacktest({
    stream: memoryStream(rows()),
    instruments: [defaultInstrument('XYZ', 'crypto_spot', 'sim')],
    profile: profileFor('sim'),
    strategy: toggler(disk),
    sim: {participation: 1, latency: {fixedMs: 20, jitterMs: 0}},
    journal,
    risk: {limits: {minDataPoints: 0}},
    audit,
  })
  const csv = (f: AuditFile): string[] => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8').trim().split('\n').slice(1) : [])
  const intents = journal.records.filter((r) => r.type === 'intent').map((r) => ({t: r.t, ...(r.data as {request: OrderRequest; reason?: string})}))
  return {dir, log, audit, result, journal, intents, orders: csv('orders.csv'), fills: csv('fills.csv')}
}

/** The required behaviour, as failures (empty = passes). */
function check(out: Awaited<ReturnType<typeof run>>): string[] {
  const f: string[] = []
  const inOutage = (t: number): boolean => t >= OUTAGE.from + TF && t < OUTAGE.to + TF
  const entries = out.intents.filter((i) => i.reason === 'entry' && inOutage(i.t))
  if (entries.length > 0) f.push(`${entries.length} entries sent while the trail could not be written`)
  if (!out.intents.some((i) => i.reason === 'exit' && inOutage(i.t))) f.push('no exit went out during the outage')
  if (!out.intents.some((i) => i.reason === 'entry' && i.t >= OUTAGE.to + TF)) f.push('trading did not resume after the outage')
  if ((out.result.rejections['risk:audit_unavailable'] ?? 0) < 1) f.push('no entry refused with audit_unavailable')
  const auditedFills = new Set(out.fills.map((l) => l.split(',')[2]))
  for (const x of out.result.fills) if (!auditedFills.has(x.execId)) f.push(`fill ${x.execId} missing from fills.csv`)
  const auditedIntents = new Set(out.orders.filter((l) => l.split(',')[2] === 'intent').map((l) => l.split(',')[3]))
  for (const o of out.result.orders) if (!auditedIntents.has(o.clientOrderId)) f.push(`order ${o.clientOrderId} has no intent line in orders.csv`)
  const alerts = out.log.lines.filter((l) => l.level === 'error' && l.msg.startsWith('AUDIT TRAIL UNAVAILABLE'))
  if (alerts.length !== 1) f.push(`${alerts.length} alerts for one outage`)
  if (out.audit.retries < 1) f.push('the write was never retried')
  return f
}

describe('RISK-04: an audit trail that cannot be written pauses entries', () => {
  it('refuses entries (audit_unavailable), lets exits out, alerts once, retries, resumes, and loses no line', async () => {
    const out = await run('real', (dir, writer, log) => new AuditTrail({dir, writer, retryMs: 5 * TF}, log))
    expect(check(out)).toEqual([])
    expect(out.result.violations).toEqual([])
    expect(out.result.audit).toMatchObject({outages: 1, unwritten: 0})
    const outage = out.audit.outages[0]
    expect(outage.error).toMatch(/ENOSPC/)
    expect(outage.from).toBeGreaterThanOrEqual(OUTAGE.from)
    expect(outage.to).toBeGreaterThanOrEqual(OUTAGE.to)
    expect(outage.to! - OUTAGE.to).toBeLessThanOrEqual(6 * TF) // resumed within one retry period
    expect(out.log.lines.some((l) => l.msg.startsWith('audit trail writable again'))).toBe(true)
    // Refused entries are on the trail too, with their code.
    expect(out.orders.some((l) => l.includes(',refused,') && l.endsWith(',audit_unavailable'))).toBe(true)
    // At most one order per signal; the position equals the venue's executions.
    const ids = out.result.orders.map((o) => o.clientOrderId)
    expect(new Set(ids).size).toBe(ids.length)
  })

  it('writes Parquet copies with every row at the end of the session', async () => {
    const out = await run('parquet', (dir, _writer, log) => new AuditTrail({dir}, log))
    const {DuckDBInstance} = await import('@duckdb/node-api')
    const db = await DuckDBInstance.create(':memory:')
    const conn = await db.connect()
    const count = async (f: string): Promise<number> => Number((await conn.runAndReadAll(`SELECT count(*) FROM '${join(out.dir, f)}'`)).getRows()[0][0])
    expect(await count('fills.parquet')).toBe(out.result.fills.length)
    expect(await count('orders.parquet')).toBe(out.orders.length)
    expect(out.result.fills.length).toBeGreaterThan(10)
    conn.closeSync()
    db.closeSync()
  })

  it('bites: the seed\'s audit (log, drop the line, keep trading) trades unaudited through the outage', async () => {
    const out = await run('naive', (dir, writer, log) => new NaiveAudit({dir, writer}, log))
    const failures = check(out)
    expect(failures.some((x) => /entries sent while the trail could not be written/.test(x))).toBe(true)
    expect(failures.some((x) => /missing from fills\.csv|no intent line/.test(x))).toBe(true)
  })
})
