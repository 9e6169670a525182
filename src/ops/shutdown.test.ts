import {describe, expect, it} from 'vitest'
import {installShutdown} from './shutdown.js'

function session(inFlight: number) {
  const calls: string[] = []
  let open = inFlight
  return {
    calls,
    settle: () => void (open = 0),
    hooks: {
      stopEntries: () => void calls.push('stopEntries'),
      inFlight: () => open,
      persist: () => void calls.push('persist'),
      close: () => void calls.push('close'),
      log: (m: string) => void calls.push(`log: ${m}`),
    },
  }
}

describe('graceful shutdown (ALP-15, OPS-06)', () => {
  it('on SIGTERM stops entries, waits for the order in flight, persists, closes and exits 0', async () => {
    const s = session(1)
    const exits: number[] = []
    const c = installShutdown(s.hooks, {graceMs: 5_000, pollMs: 5, exit: (code) => void exits.push(code), signals: ['SIGUSR2']})
    process.emit('SIGUSR2', 'SIGUSR2')
    await new Promise((r) => setTimeout(r, 30))
    expect(s.calls.filter((x) => !x.startsWith('log'))).toEqual(['stopEntries']) // still waiting: nothing persisted yet
    s.settle() // the order reaches a terminal state
    expect(await c.done).toBe(0)
    expect(s.calls.filter((x) => !x.startsWith('log'))).toEqual(['stopEntries', 'persist', 'close'])
    expect(exits).toEqual([0])
  })

  it('a second signal persists and exits at once', async () => {
    const s = session(2)
    const exits: number[] = []
    const c = installShutdown(s.hooks, {graceMs: 60_000, pollMs: 5, exit: (code) => void exits.push(code), signals: ['SIGUSR2']})
    process.emit('SIGUSR2', 'SIGUSR2')
    await new Promise((r) => setTimeout(r, 20))
    process.emit('SIGUSR2', 'SIGUSR2')
    expect(await c.done).toBe(1)
    expect(s.calls.filter((x) => !x.startsWith('log'))).toEqual(['stopEntries', 'persist', 'close'])
    expect(s.calls.some((x) => x.includes('again: persisting and exiting now (2 order(s) still in flight)'))).toBe(true)
    expect(exits).toEqual([1])
  })

  it('bounded: after the grace period it persists and exits 0, leaving the order to the next start', async () => {
    const s = session(1)
    const c = installShutdown(s.hooks, {graceMs: 40, pollMs: 5, exit: () => {}, signals: ['SIGUSR2']})
    c.trigger('SIGTERM')
    expect(await c.done).toBe(0)
    expect(s.calls.some((x) => x.includes('grace period over with 1 order(s) still open'))).toBe(true)
  })
})
