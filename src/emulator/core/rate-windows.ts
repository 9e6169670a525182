/**
 * Sliding-window rate limits as a venue counts them: per (client, bucket), the requests of the last `windowMs`
 * of wall time. A request is admitted only when every rule it falls under has room; an admitted request counts
 * in every one of them, a refused one in none (it did not reach the venue's handlers).
 */
import type {RateDecision, RateRule} from '../venue-api.js'

export class RateWindows {
  /** Admission times per key, oldest first; `head` skips the expired prefix without shifting the array. */
  private readonly windows = new Map<string, {times: number[]; head: number}>()

  check(clientId: string, rules: readonly RateRule[], now: number): RateDecision {
    if (rules.length === 0) return {allowed: true, limit: Infinity, remaining: Infinity, resetAt: now}
    const states = rules.map((rule) => this.window(`${clientId}\u0000${rule.bucket}`, rule, now))
    // A refusal reports the rule that refused (the latest reset when several do); an admission the tightest rule.
    let refused = -1
    for (let i = 0; i < rules.length; i++) {
      if (states[i].count >= rules[i].limit && (refused < 0 || resetOf(states[i], rules[i], now) > resetOf(states[refused], rules[refused], now))) refused = i
    }
    if (refused >= 0) {
      return {allowed: false, limit: rules[refused].limit, remaining: 0, resetAt: resetOf(states[refused], rules[refused], now)}
    }
    let tightest = 0
    for (let i = 0; i < rules.length; i++) {
      states[i].w.times.push(now)
      if (rules[i].limit - states[i].count < rules[tightest].limit - states[tightest].count) tightest = i
    }
    const s = states[tightest]
    return {allowed: true, limit: rules[tightest].limit, remaining: rules[tightest].limit - s.count - 1, resetAt: resetOf({...s, count: s.count + 1}, rules[tightest], now)}
  }

  private window(key: string, rule: RateRule, now: number) {
    let w = this.windows.get(key)
    if (!w) this.windows.set(key, (w = {times: [], head: 0}))
    const cutoff = now - rule.windowMs
    while (w.head < w.times.length && w.times[w.head] <= cutoff) w.head++
    if (w.head > 1024 && w.head * 2 > w.times.length) {
      w.times = w.times.slice(w.head)
      w.head = 0
    }
    return {w, count: w.times.length - w.head}
  }
}

/** When the window frees a slot: the oldest admission in it leaves the window (now, when the window is empty). */
function resetOf(s: {w: {times: number[]; head: number}; count: number}, rule: RateRule, now: number): number {
  return s.count === 0 || s.w.head >= s.w.times.length ? now : s.w.times[s.w.head] + rule.windowMs
}
