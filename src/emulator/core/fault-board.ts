/**
 * Request faults armed by a test or the admin route, consumed in arming order by the requests they match.
 * An endpoint pattern is "<METHOD> <path>" (exact), "<path>" (any method), or ends in "*" (prefix); no pattern
 * matches every request.
 */
import type {RequestFault} from '../venue-api.js'

interface Armed {
  readonly fault: RequestFault
  left: number
}

export class FaultBoard {
  private armed: Armed[] = []

  arm(fault: RequestFault): void {
    const times = fault.times ?? 1
    if (!(Number.isInteger(times) && times > 0)) throw new RangeError(`fault.times must be a positive integer, got ${times}`)
    this.armed.push({fault, left: times})
  }

  /** The first armed fault matching `endpoint`, with one use consumed; undefined when none matches. */
  take(endpoint: string): RequestFault | undefined {
    const i = this.armed.findIndex((a) => endpointMatches(a.fault.endpoint, endpoint))
    if (i < 0) return undefined
    const a = this.armed[i]
    if (--a.left === 0) this.armed.splice(i, 1)
    return a.fault
  }

  /** Armed faults and their remaining uses, for the stats route. */
  pending(): {fault: RequestFault; left: number}[] {
    return this.armed.map((a) => ({fault: a.fault, left: a.left}))
  }
}

export function endpointMatches(pattern: string | undefined, endpoint: string): boolean {
  if (pattern === undefined || pattern === '' || pattern === '*') return true
  if (pattern.endsWith('*')) return endpoint.startsWith(pattern.slice(0, -1)) || pathOf(endpoint).startsWith(pattern.slice(0, -1))
  if (pattern === endpoint) return true
  // A bare path matches that path under any method.
  return !pattern.includes(' ') && pathOf(endpoint) === pattern
}

function pathOf(endpoint: string): string {
  const space = endpoint.indexOf(' ')
  return space < 0 ? endpoint : endpoint.slice(space + 1)
}
