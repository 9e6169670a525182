/**
 * A small session run as a CHILD process for the graceful-shutdown scenarios (ALP-15, OPS-06): it trades through an
 * IpcBroker against the simulated venue in the parent (test/crash/ipc-broker.ts), keeps the engine's account view
 * and order gateway, logs with src/ops/log.ts to a file, and installs `installShutdown` from src/ops/shutdown.ts.
 * On start it places one resting limit buy; on every bar it would place another entry unless entries are stopped.
 *
 * mode 'graceful': the real controller. mode 'naive': the old bot's handler (exit at once on SIGTERM).
 */
import {join} from 'node:path'
import pino from 'pino'
import type {OrderRequest} from '../../src/core/order.js'
import {AccountView} from '../../src/engine/account-view.js'
import {VirtualClock} from '../../src/core/time/clock.js'
import {Journal} from '../../src/engine/journal.js'
import {OrderGateway} from '../../src/engine/order-gateway.js'
import {createLogger} from '../../src/ops/log.js'
import {installShutdown} from '../../src/ops/shutdown.js'
import {writeFileAtomic} from '../../src/state/atomic-file.js'
import {type ChildMessage, IpcBroker, type StepItem} from '../crash/ipc-broker.js'

export interface ShutdownStart {
  readonly type: 'start'
  readonly dir: string
  readonly mode: 'graceful' | 'naive'
  readonly graceMs: number
}

/** Child → parent messages of this script, beside the IpcBroker's requests. */
export type ShutdownChildMessage = ChildMessage | {readonly type: 'resting'} | {readonly type: 'draining'}

function send(m: ShutdownChildMessage): void {
  process.send?.(m)
}

async function main(start: ShutdownStart): Promise<void> {
  const log = await createLogger({destination: pino.destination({dest: join(start.dir, 'session.log'), mkdir: true, sync: true})})
  const clock = new VirtualClock(0)
  const broker = new IpcBroker((m) => send(m))
  const view = new AccountView(100_000)
  const gateway = new OrderGateway(broker, view, clock, new Journal())
  broker.subscribe((e) => view.apply(e, clock.now()))
  let entries = true
  let n = 0
  const entry = async (): Promise<void> => {
    const req: OrderRequest = {clientOrderId: `sd-entry-${++n}`, symbol: 'XYZ', side: 'buy', type: 'limit', qty: 1, limitPrice: 95, tif: 'gtc'}
    if (!entries) {
      log.info({clientOrderId: req.clientOrderId}, 'entry refused: shutting down')
      return
    }
    const out = await gateway.submit(req, {reason: 'entry'})
    log.info({clientOrderId: req.clientOrderId, ok: out.ok}, 'entry sent')
    if (out.ok) send({type: 'resting'})
  }
  const persist = (): void => {
    const orders = [...view.orders.all()].map((o) => ({clientOrderId: o.request.clientOrderId, status: o.status, filledQty: o.filledQty}))
    writeFileAtomic(join(start.dir, 'state.json'), JSON.stringify({orders, position: view.positions.qty('XYZ', 'net')}))
    log.info({orders: orders.length}, 'state persisted')
  }

  if (start.mode === 'graceful') {
    installShutdown(
      {
        stopEntries: () => {
          entries = false
          send({type: 'draining'})
        },
        inFlight: () => view.orders.open,
        persist,
        close: () => log.info('session closed'),
        log: (m) => log.warn(m),
      },
      {graceMs: start.graceMs, pollMs: 10},
    )
  } else {
    process.on('SIGTERM', () => process.exit(0)) // the old bot: gone at once, nothing persisted
  }

  process.on('message', (m: {type: 'step'; t: number; items: StepItem[]}) => {
    if (m.type !== 'step') return
    clock.advanceTo(Math.max(m.t, clock.now()))
    for (const item of m.items) {
      if (item.k === 'bar') void entry()
      else broker.deliver(item)
    }
  })
  await entry()
}

process.once('message', (m: ShutdownStart) => {
  if (m.type === 'start') void main(m)
})
