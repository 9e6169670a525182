/**
 * The session clock at a high --time-scale: a message the venue stamped when it sent it must not be received
 * before that stamp. It was, at 600× (grid_tp_close_latency_ms_sum went negative by seconds per take-profit):
 * the session clock counted from when the driver was built, ~100 wall ms after the venue's clock was read, so it
 * lagged the venue's by 60 s of session time. Fake wall clock, no timers.
 */
import {describe, expect, it} from 'vitest'
import {EventLoop} from '../engine/event-loop.js'
import {LiveDriver, type WallTimers} from '../run/live/live-driver.js'
import {readVenueClock} from './venue-clock.js'

const SCALE = 600
const VENUE_START = Date.UTC(2022, 11, 13)

/** A venue replaying history at SCALE (the emulator's paced clock), a fake wall, and a client whose first request is slow. */
function rig() {
  let wall = 1_000_000
  const venueNow = () => VENUE_START + Math.floor((wall - 1_000_000) * SCALE)
  let requests = 0
  // The venue reads its clock 1 ms after the request leaves; the answer takes 1 ms back, plus 150 ms of warm-up
  // (connection, JIT) the first time.
  const read = async (): Promise<number> => {
    wall += 1
    const t = venueNow()
    wall += requests++ === 0 ? 151 : 1
    return t
  }
  const timers: WallTimers = {now: () => wall, setTimer: () => ({cancel() {}})}
  return {timers, read, venueNow, advance: (ms: number) => void (wall += ms)}
}

/** Session time at which a message sent now and delivered `transitMs` later is received, minus the venue's stamp on it. */
async function receivedMinusStamped(r: ReturnType<typeof rig>, driver: LiveDriver, transitMs: number): Promise<number> {
  const stamp = r.venueNow()
  r.advance(transitMs)
  let at: number | undefined
  driver.inbound(() => (at = driver.loop.clock.now()))
  await driver.settled()
  expect(at).toBeDefined()
  return at! - stamp
}

describe('session clock at a high time scale', () => {
  it('takes the fastest of a few reads of the venue clock, at its midpoint', async () => {
    const r = rig()
    const got = await readVenueClock(r.read, r.timers.now)
    expect(got.roundTripMs).toBe(2)
    expect(got.originWall).toBe(1_000_000 + 153)
    expect(got.origin).toBe(VENUE_START + 153 * SCALE)
  })

  it('a message the venue stamped is not received before its stamp, and not much after (≤ 1 wall ms × scale)', async () => {
    const r = rig()
    const {origin, originWall} = await readVenueClock(r.read, r.timers.now)
    r.advance(100) // start-up between reading the clock and starting the driver: lock, journal, health server
    const loop = new EventLoop(origin)
    const driver = new LiveDriver(loop, r.timers, {origin, originWall, scale: SCALE})
    for (let i = 0; i < 5; i++) {
      r.advance(37)
      const d = await receivedMinusStamped(r, driver, 1)
      expect(d).toBeGreaterThanOrEqual(0)
      expect(d).toBeLessThanOrEqual(2 * SCALE)
    }
    driver.stop()
  })

  it('bites: counted from when the driver starts, the session clock lags the venue by the start-up times the scale', async () => {
    const r = rig()
    const origin = await r.read()
    r.advance(100)
    const driver = new LiveDriver(new EventLoop(origin), r.timers, {origin, scale: SCALE})
    r.advance(37)
    // Received "before" it was sent, by ~(151 + 100 − 1) wall ms × 600: the negative take-profit latency.
    expect(await receivedMinusStamped(r, driver, 1)).toBeLessThan(-100 * SCALE)
    driver.stop()
  })
})
