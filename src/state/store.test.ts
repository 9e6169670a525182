import {describe, expect, it} from 'vitest'
import {VirtualClock} from '../core/time/clock.js'
import {Journal} from '../engine/journal.js'
import {NS, PIPELINE_NAMESPACES} from './pipeline-state.js'
import {SnapshotError, StateStore, type StateChange, StoreFencedError, StoreWriterBusyError} from './store.js'

const cooldown = (symbol: string, until: number) => ({symbol, until, setAt: 0, reason: 'stop_loss'})

function fresh() {
  const clock = new VirtualClock(1_000)
  const journal = new Journal({keep: true})
  const store = new StateStore({clock, journal})
  return {clock, journal, store}
}

describe('StateStore', () => {
  it('returns frozen values: a reader cannot change what another service sees', () => {
    const {store} = fresh()
    const w = store.acquireWriter('test')
    const value = cooldown('SPY', 5)
    w.set(NS.cooldowns, 'SPY', value)
    value.until = 99 // the caller's object is copied on write
    const got = store.get(NS.cooldowns, 'SPY')!
    expect(got.until).toBe(5)
    expect(() => {
      ;(got as {until: number}).until = 7
    }).toThrow(TypeError)
    expect(store.get(NS.cooldowns, 'SPY')!.until).toBe(5)
  })

  it('allows one writer at a time and fences a released one', () => {
    const {store} = fresh()
    const w1 = store.acquireWriter('first')
    expect(() => store.acquireWriter('second')).toThrow(StoreWriterBusyError)
    w1.release()
    const w2 = store.acquireWriter('second')
    expect(() => w1.set(NS.cooldowns, 'SPY', cooldown('SPY', 1))).toThrow(StoreFencedError)
    w2.set(NS.cooldowns, 'SPY', cooldown('SPY', 1))
    expect(store.size(NS.cooldowns)).toBe(1)
  })

  it('journals every change, and a snapshot plus the later records rebuild the state exactly', () => {
    const {store, journal, clock} = fresh()
    const w = store.acquireWriter('test')
    w.set(NS.cooldowns, 'SPY', cooldown('SPY', 10))
    const snap = structuredClone(store.snapshot())
    const seqAtSnap = store.seq
    clock.advanceTo(2_000)
    w.set(NS.cooldowns, 'IBM', cooldown('IBM', 20))
    w.delete(NS.cooldowns, 'SPY')
    w.update(NS.counters, 'dropped.stale', (n) => (n ?? 0) + 1)
    const key = w.append(NS.inbox, {source: 'feed', receivedAt: 2_000, raw: {anything: [1, 2]}})
    const changes = journal.records.filter((r) => r.type === 'state').map((r) => r.data as StateChange)
    expect(changes.map((c) => c.op)).toEqual(['set', 'set', 'delete', 'set', 'set'])
    expect(journal.records.at(-1)!.t).toBe(2_000)

    const rebuilt = StateStore.restore(snap, PIPELINE_NAMESPACES, {clock})
    expect(rebuilt.seq).toBe(seqAtSnap)
    for (const c of changes) rebuilt.replay(c)
    expect(rebuilt.snapshot()).toEqual(store.snapshot())
    expect(rebuilt.get(NS.inbox, key)!.raw).toEqual({anything: [1, 2]})
    // Replaying a change twice (a journal read after its snapshot) changes nothing.
    for (const c of changes) rebuilt.replay(c)
    expect(rebuilt.snapshot()).toEqual(store.snapshot())
  })

  it('refuses a snapshot with a bad value or an unknown namespace, naming where', () => {
    const {store, clock} = fresh()
    store.acquireWriter('t').set(NS.cooldowns, 'SPY', cooldown('SPY', 10))
    const snap = structuredClone(store.snapshot()) as {namespaces: Record<string, Record<string, unknown>>}
    ;(snap.namespaces.cooldowns.SPY as {until: unknown}).until = 'soon'
    expect(() => StateStore.restore(snap, PIPELINE_NAMESPACES, {clock})).toThrow(/cooldowns\/SPY: until/)
    expect(() => StateStore.restore({version: 1, seq: 0, namespaces: {mystery: {}}}, PIPELINE_NAMESPACES, {clock})).toThrow(SnapshotError)
    expect(() => StateStore.restore({version: 2}, PIPELINE_NAMESPACES, {clock})).toThrow(/malformed at version/)
  })

  it('keeps appended inbox entries in write order with unique keys', () => {
    const {store} = fresh()
    const w = store.acquireWriter('t')
    const keys = [1, 2, 3].map((n) => w.append(NS.inbox, {source: 's', receivedAt: n, raw: n}))
    expect(new Set(keys).size).toBe(3)
    expect([...keys].sort()).toEqual(keys)
    expect(store.values(NS.inbox).map((e) => e.raw)).toEqual([1, 2, 3])
  })
})
