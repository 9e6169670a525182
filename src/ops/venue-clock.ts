/**
 * Where a session's clock starts: the venue's clock and the wall instant it was read at. A paper or live session's
 * clock runs from there at `--time-scale` session ms per wall ms, so an error in that instant is multiplied by the
 * scale: at 600×, the ~100 ms of wall between reading the venue's clock and starting the driver put the session
 * 60 s behind the venue, and a take-profit's fill (stamped by the venue) was "processed" before it happened.
 *
 * The clock is read a few times; the read with the shortest round trip wins, taken at its midpoint (the first
 * request also pays for warming the client up, which would skew it). Wall time comes in as a function: the
 * engine stays free of it.
 */
export interface VenueClockReading {
  /** The venue's time (epoch ms). */
  readonly origin: number
  /** The wall time (epoch ms) at which the venue's clock read `origin`, within half the round trip. */
  readonly originWall: number
  /** That read's round trip, wall ms. */
  readonly roundTripMs: number
}

export async function readVenueClock(read: () => Promise<number>, wallNow: () => number, reads = 3): Promise<VenueClockReading> {
  let best: VenueClockReading | undefined
  for (let i = 0; i < Math.max(1, reads); i++) {
    const asked = wallNow()
    const origin = await read()
    const answered = wallNow()
    if (best === undefined || answered - asked < best.roundTripMs) best = {origin, originWall: (asked + answered) / 2, roundTripMs: answered - asked}
  }
  return best!
}
