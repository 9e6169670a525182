/**
 * The journal hash is SHA-256 over each record's canonical line (`lineOf`) plus a newline. The fast paths must
 * not change it: `LineWriter` writes those lines as bytes without building the strings, `sameEncoding` says two
 * records encode equally without encoding them, and `PairedJournalHash` hashes a replay's two streams once while
 * they agree. Each is checked here against the plain definition, on generated records with awkward values.
 */
import {createHash} from 'node:crypto'
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {LineWriter, sameEncoding} from './journal-encoding.js'
import {Journal, type JournalRecord, JournalSha256, lineOf} from './journal.js'
import {PairedJournalHash} from './replay-hash.js'

/** The definition: SHA-256 over the lines, each followed by a newline. */
function reference(records: readonly JournalRecord[]): string {
  const h = createHash('sha256')
  for (const r of records) h.update(`${lineOf(r)}\n`)
  return h.digest('hex')
}

function written(records: readonly JournalRecord[], size?: number): Buffer {
  const parts: Buffer[] = []
  const w = new LineWriter((b) => parts.push(Buffer.from(b)), size)
  for (const r of records) w.record(r.t, r.type, r.data)
  w.flush()
  return Buffer.concat(parts)
}

const num = fc.oneof(
  fc.integer({min: -1e6, max: 1e6}),
  fc.double({noNaN: false}),
  fc.constantFrom(0, -0, 1704067200000, 2 ** 31, 2 ** 31 - 1, 2 ** 53 - 1, 2 ** 53, -(2 ** 53) + 1, 1e21, 1e-7, 0.1 + 0.2, 66.715749, NaN, Infinity, -Infinity),
  fc.integer({min: 0, max: Number.MAX_SAFE_INTEGER}),
)
const str = fc.oneof(fc.string(), fc.string({unit: 'grapheme'}), fc.string({unit: 'binary'}), fc.constantFrom('', 'é', '\ud800', 'a\udc00b', '😀|x', 'sma-SYM0051704068460000-b-1'))
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, {nil: undefined})
const request = fc.record({
  clientOrderId: str,
  symbol: str,
  side: fc.constantFrom('buy', 'sell'),
  type: fc.constantFrom('market', 'limit'),
  tif: fc.constantFrom('gtc', 'ioc'),
  qty: num,
  limitPrice: maybe(num),
  stopPrice: maybe(num),
  reduceOnly: maybe(fc.boolean()),
  postOnly: maybe(fc.boolean()),
  positionSide: maybe(fc.constantFrom('long', 'short', 'net')),
})
const order = fc.record({
  clientOrderId: str,
  venueOrderId: fc.oneof(str, fc.constant(undefined)),
  symbol: str,
  side: fc.constantFrom('buy', 'sell'),
  type: fc.constantFrom('market', 'limit'),
  tif: fc.constantFrom('gtc'),
  qty: num,
  limitPrice: maybe(num),
  stopPrice: maybe(num),
  reduceOnly: maybe(fc.boolean()),
  postOnly: maybe(fc.boolean()),
  positionSide: maybe(fc.constantFrom('long', 'short')),
  status: fc.constantFrom('accepted', 'filled', 'canceled'),
  filledQty: num,
  avgFillPrice: num,
  createdAt: num,
  updatedAt: num,
  reason: maybe(str),
})
const event = fc.oneof(
  fc.record({kind: fc.constant('order'), ts: num, order}),
  fc.record({
    kind: fc.constant('execution'),
    ts: num,
    fill: fc.record({execId: str, clientOrderId: str, venueOrderId: str, symbol: str, side: str, positionSide: str, qty: num, price: num, fee: num, liquidity: str, ts: num}),
  }),
  fc.record({kind: fc.constant('position'), ts: num, position: fc.record({symbol: str, side: str, qty: num, avgPrice: num, realizedPnl: num, ts: num})}),
  fc.record({kind: fc.constant('account'), ts: num, account: fc.record({cash: num, equity: num, buyingPower: num, marginUsed: num, maintenanceMargin: num, realizedPnl: num, fees: num, ts: num})}),
  fc.record({kind: fc.constant('connection'), ts: num, status: fc.constantFrom('connected', 'disconnected')}),
)
const record: fc.Arbitrary<JournalRecord> = fc.oneof(
  fc.record({t: num, type: fc.constant('event'), data: event}),
  fc.record({t: num, type: fc.constant('intent'), data: fc.record({request, reason: maybe(str)})}),
  fc.record({t: num, type: fc.constant('request'), data: fc.oneof(fc.record({op: fc.constant('submit'), n: maybe(fc.nat()), args: request}), fc.record({op: fc.constantFrom('positions', 'cancel'), n: fc.nat(), args: fc.jsonValue()}))}),
  fc.record({
    t: num,
    type: fc.constant('response'),
    data: fc.oneof(
      fc.record({op: fc.constant('submit'), n: maybe(fc.nat()), result: fc.record({clientOrderId: str, venueOrderId: str, ts: num})}),
      fc.record({op: fc.constant('submit'), n: fc.nat(), error: fc.record({name: str, message: str})}),
      fc.record({op: fc.constant('positions'), n: fc.nat(), result: fc.jsonValue()}),
    ),
  }),
  fc.record({t: num, type: str, data: fc.oneof(fc.jsonValue(), fc.constant(undefined))}),
)

describe('LineWriter', () => {
  it('writes exactly the UTF-8 of each canonical line and its newline', () => {
    fc.assert(
      fc.property(fc.array(record, {maxLength: 20}), fc.integer({min: 1, max: 600}), (recs, size) => {
        const expected = Buffer.from(recs.map((r) => `${lineOf(r)}\n`).join(''), 'utf8')
        expect(written(recs, size).equals(expected)).toBe(true)
      }),
      {numRuns: 400},
    )
  })

  it('JournalSha256 gives the SHA-256 of the lines, and a clone goes on independently', () => {
    fc.assert(
      fc.property(fc.array(record, {maxLength: 30}), fc.array(record, {maxLength: 5}), (recs, more) => {
        const h = new JournalSha256()
        for (const r of recs) h.update(r)
        expect(h.digest()).toBe(reference(recs))
        const c = h.clone()
        for (const r of more) c.update(r)
        expect(c.digest()).toBe(reference([...recs, ...more]))
        expect(h.digest()).toBe(reference(recs))
      }),
      {numRuns: 200},
    )
  })
})

describe('Journal', () => {
  it('hashes records in the order they were appended, also when a sink appends while it sees one', () => {
    const recs: JournalRecord[] = Array.from({length: 6}, (_, i) => ({t: i, type: 'event', data: {kind: 'connection', ts: i, status: 'connected'}}))
    const j: Journal = new Journal({keep: true, sinks: [{append: (r: JournalRecord) => (r.t === 2 && r.type === 'event' ? j.append({t: 2, type: 'nested', data: null}) : undefined)}]})
    for (const r of recs) j.append(r)
    expect(j.records.map((r) => r.type)).toEqual(['event', 'event', 'event', 'nested', 'event', 'event', 'event'])
    expect(j.digest()).toBe(reference(j.records))
  })
})

describe('sameEncoding', () => {
  it('says "equal" only for records whose lines are equal (a copy with one value changed, anywhere)', () => {
    fc.assert(
      fc.property(record, fc.nat(), num, (a, pick, value) => {
        const copy = structuredClone(a)
        expect(sameEncoding(copy.type, a.data, copy.data) && lineOf(copy) !== lineOf(a)).toBe(false)
        // Change one leaf (or add an absent optional field) of the copy.
        const leaves: [Record<string, unknown>, string][] = []
        const walk = (o: unknown): void => {
          if (typeof o !== 'object' || o === null) return
          for (const k of Object.keys(o)) {
            leaves.push([o as Record<string, unknown>, k])
            walk((o as Record<string, unknown>)[k])
          }
        }
        walk(copy.data)
        if (leaves.length === 0) return
        const [obj, key] = leaves[pick % leaves.length]
        obj[key] = typeof obj[key] === 'string' ? `${obj[key] as string}x` : value
        if (sameEncoding(a.type, a.data, copy.data)) expect(lineOf(copy)).toBe(lineOf(a))
      }),
      {numRuns: 3000},
    )
  })

  it('recognises a reproduced order intent and submit as equal without encoding them', () => {
    const req = {clientOrderId: 'sma-A-1', symbol: 'A', side: 'buy', type: 'market', tif: 'gtc', qty: 66.715749}
    expect(sameEncoding('intent', {request: req, reason: 'entry'}, {request: {...req}, reason: 'entry'})).toBe(true)
    expect(sameEncoding('intent', {request: req, reason: 'entry'}, {request: {...req, qty: 66.71575}, reason: 'entry'})).toBe(false)
    expect(sameEncoding('request', {op: 'submit', n: 3, args: req}, {op: 'submit', n: 3, args: {...req}})).toBe(true)
    expect(sameEncoding('request', {op: 'submit', n: 3, args: req}, {op: 'submit', n: 4, args: {...req}})).toBe(false)
  })
})

describe('PairedJournalHash', () => {
  /** Feeds the two sides as a replay does: the replayed journal's record, then the matcher's, then the sinks are done. */
  function feed(recorded: readonly JournalRecord[], replayed: readonly JournalRecord[], pairing: readonly boolean[]): PairedJournalHash {
    const p = new PairedJournalHash()
    const appended = (r: JournalRecord, matcher: () => void): void => {
      p.replayed.update(r)
      matcher()
      p.replayed.afterSinks?.()
    }
    let i = 0
    let j = 0
    for (const pair of pairing) {
      if (pair && i < recorded.length && j < replayed.length) {
        // A match: the matcher hands over the replayed record itself when the two encode the same.
        const rec = replayed[j++]
        const was = recorded[i++]
        appended(rec, () => p.recorded.update(lineOf(was) === lineOf(rec) ? rec : was))
      } else if (i < recorded.length && (j >= replayed.length || pair)) p.recorded.update(recorded[i++])
      else if (j < replayed.length) appended(replayed[j++], () => {})
    }
    while (i < recorded.length) p.recorded.update(recorded[i++])
    while (j < replayed.length) appended(replayed[j++], () => {})
    return p
  }

  it('each digest is the hash of its own stream, whether the streams agree or not', () => {
    fc.assert(
      fc.property(fc.array(record, {maxLength: 25}), fc.array(fc.boolean(), {maxLength: 60}), fc.integer({min: 0, max: 3}), (recs, pairing, change) => {
        // The replayed stream: the recording, or one with a record dropped, added or altered.
        const replayed = [...recs]
        if (change === 1 && replayed.length > 0) replayed.splice(replayed.length >> 1, 1)
        if (change === 2) replayed.splice(replayed.length >> 1, 0, {t: 1, type: 'extra', data: null})
        if (change === 3 && replayed.length > 0) replayed[replayed.length - 1] = {...replayed[replayed.length - 1], t: -5}
        const p = feed(recs, replayed, pairing.length > 0 ? pairing : recs.map(() => true))
        expect(p.recorded.digest()).toBe(reference(recs))
        expect(p.replayed.digest()).toBe(reference(replayed))
      }),
      {numRuns: 500},
    )
  })

  it('hashes an unpaired replayed record as it was when appended (later changes to its object do not count)', () => {
    const recs: JournalRecord[] = Array.from({length: 4}, (_, i) => ({t: i, type: 'event', data: {kind: 'connection', ts: i, status: 'connected'}}))
    const extra = {t: 9, type: 'extra', data: {v: 1}}
    const before = [recs[0], recs[1], {...extra, data: {v: 1}}, recs[2], recs[3]]
    const p = new PairedJournalHash()
    for (const r of recs.slice(0, 2)) {
      p.replayed.update(r)
      p.recorded.update(r)
      p.replayed.afterSinks?.()
    }
    p.replayed.update(extra)
    p.replayed.afterSinks?.()
    extra.data.v = 2
    for (const r of recs.slice(2)) {
      p.replayed.update(r)
      p.recorded.update(r)
      p.replayed.afterSinks?.()
    }
    expect(p.replayed.digest()).toBe(reference(before))
    expect(p.recorded.digest()).toBe(reference(recs))
  })

  it('hashes a faithful replay once (the two stay shared) and still forks at a late difference', () => {
    const recs: JournalRecord[] = Array.from({length: 5000}, (_, i) => ({t: i, type: 'event', data: {kind: 'position', ts: i, position: {symbol: 'A', side: 'long', qty: i / 7, avgPrice: 1, realizedPnl: 0, ts: i}}}))
    const faithful = feed(recs, recs, recs.map(() => true))
    expect(faithful.isShared).toBe(true)
    expect(faithful.recorded.digest()).toBe(reference(recs))
    expect(faithful.replayed.digest()).toBe(reference(recs))

    const altered = recs.map((r, i) => (i === 4_990 ? {...r, t: r.t + 1} : r))
    const late = feed(recs, altered, recs.map(() => true))
    expect(late.isShared).toBe(false)
    expect(late.recorded.digest()).toBe(reference(recs))
    expect(late.replayed.digest()).toBe(reference(altered))
    expect(late.replayed.digest()).not.toBe(late.recorded.digest())
  })
})
