/**
 * Signals from outside the scanner — a file, another bot — delivered into the inbox at their times, exactly as
 * received: the buyer validates them like any other (ALP-07). After a restart only deliveries still ahead of the
 * clock are scheduled; earlier ones belonged to the previous process.
 */
import type {TimerHandle} from '../core/time/scheduler.js'
import {NS} from '../state/pipeline-state.js'
import {count, type ServiceDeps} from './context.js'

export class SignalFeed {
  private readonly timers: TimerHandle[] = []

  constructor(private readonly d: ServiceDeps) {}

  /** `resumed`: a restart, so a delivery at exactly the current instant already happened. */
  start(resumed: boolean): void {
    const now = this.d.ctx.clock.now()
    for (const entry of this.d.config.feed) {
      if (entry.at < now || (resumed && entry.at === now)) continue
      this.timers.push(this.d.ctx.scheduler.at(entry.at, () => this.deliver(entry.signals)))
    }
  }

  stop(): void {
    for (const t of this.timers) t.cancel()
    this.timers.length = 0
  }

  private deliver(signals: readonly unknown[]): void {
    const now = this.d.ctx.clock.now()
    for (const raw of signals) {
      this.d.writer.append(NS.inbox, {source: 'feed', receivedAt: now, raw})
      count(this.d, 'signals.feed')
    }
    this.d.ctx.record('signal_received', {source: 'feed', count: signals.length})
    this.d.bus.emit('signals', {count: signals.length})
  }
}
