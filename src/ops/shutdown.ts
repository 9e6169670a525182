/**
 * Graceful shutdown (ALP-15, OPS-06). The first SIGINT / SIGTERM stops new entries, waits (bounded) for orders in
 * flight to reach a terminal state, persists and closes; a second signal persists and exits at once.
 * Wall-clock waiting is fine here: shutdown belongs to the process, not to the deterministic core.
 */
export interface ShutdownHooks {
  /** Stop opening positions (exits and cancels may continue). */
  stopEntries(): void | Promise<void>
  /** Orders not yet in a terminal state. */
  inFlight(): number
  /** Flush the journal and write a snapshot. */
  persist(): void | Promise<void>
  /** Close streams, servers, the lock. */
  close(): void | Promise<void>
  log?(message: string): void
}

export interface ShutdownOptions {
  /** Longest wait for in-flight orders. */
  readonly graceMs?: number
  readonly pollMs?: number
  readonly exit?: (code: number) => void
  readonly signals?: readonly NodeJS.Signals[]
}

export interface ShutdownController {
  /** Resolves with the exit code once shutdown has finished (for tests and for the session's main). */
  readonly done: Promise<number>
  /** Starts a shutdown as a signal would. */
  trigger(reason: string): void
  dispose(): void
}

export function installShutdown(hooks: ShutdownHooks, opts: ShutdownOptions = {}): ShutdownController {
  const graceMs = opts.graceMs ?? 30_000
  const pollMs = opts.pollMs ?? 100
  const exit = opts.exit ?? ((code: number) => process.exit(code))
  const signals = opts.signals ?? ['SIGINT', 'SIGTERM']
  const log = hooks.log ?? ((m: string) => process.stderr.write(`${m}\n`))
  let finish!: (code: number) => void
  const done = new Promise<number>((resolve) => (finish = resolve))
  let stage: 'running' | 'draining' | 'finished' = 'running'

  const end = async (code: number): Promise<void> => {
    if (stage === 'finished') return
    stage = 'finished'
    try {
      await hooks.persist()
    } finally {
      await Promise.resolve(hooks.close()).catch(() => undefined)
      dispose()
      finish(code)
      exit(code)
    }
  }

  const trigger = (reason: string): void => {
    if (stage === 'draining') {
      log(`${reason} again: persisting and exiting now (${hooks.inFlight()} order(s) still in flight)`)
      void end(1)
      return
    }
    if (stage !== 'running') return
    stage = 'draining'
    log(`${reason}: stopping new entries; waiting up to ${Math.round(graceMs / 1000)} s for ${hooks.inFlight()} order(s) in flight`)
    void (async () => {
      await hooks.stopEntries()
      const deadline = Date.now() + graceMs
      while (hooks.inFlight() > 0 && Date.now() < deadline && stage === 'draining') {
        await new Promise((r) => setTimeout(r, pollMs))
      }
      if (stage !== 'draining') return
      const left = hooks.inFlight()
      if (left > 0) log(`grace period over with ${left} order(s) still open; they stay on the venue and are reconciled at the next start`)
      await end(0)
    })()
  }

  const handlers = signals.map((sig) => {
    const h = (): void => trigger(sig)
    process.on(sig, h)
    return [sig, h] as const
  })
  const dispose = (): void => {
    for (const [sig, h] of handlers) process.off(sig, h)
  }
  return {done, trigger, dispose}
}
