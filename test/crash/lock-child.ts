/** A session start for the single-instance tests: take the account's lock, recover the state, write once, wait. */
import {join} from 'node:path'
import {VirtualClock} from '../../src/core/time/clock.js'
import {DurableState} from '../../src/state/durable-store.js'
import {acquireLock, InstanceLockedError} from '../../src/state/instance-lock.js'
import {NS} from '../../src/state/pipeline-state.js'

const dir = process.argv[2]
try {
  const lock = acquireLock(dir, 'acct', new Date(0))
  const state = DurableState.open(join(dir, 'state'), [NS.counters], {clock: new VirtualClock(0)})
  const before = state.store.seq
  state.store.acquireWriter('lock-child').set(NS.counters, 'starts', (state.store.get(NS.counters, 'starts') ?? 0) + 1)
  console.log(JSON.stringify({pid: process.pid, epoch: lock.info.epoch, reclaimed: lock.reclaimed?.pid ?? null, recoveredSeq: before, starts: state.store.get(NS.counters, 'starts')}))
  setInterval(() => undefined, 1000) // stays up until killed
} catch (err) {
  if (err instanceof InstanceLockedError) {
    console.error(err.message)
    process.exit(1)
  }
  throw err
}
