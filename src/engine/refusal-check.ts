/**
 * No silent failure: a run in which the venue or the risk engine refused most of the strategy's orders is not a
 * result, it is a setup mistake (the wrong position mode, too little cash, a risk limit the strategy cannot live
 * with). This module counts the refusals of a run, names the main reason by its rejection code, and says how to fix
 * it, in one line. `trader backtest` prints the report first, then this line, and exits with REFUSED_EXIT_CODE;
 * paper and live sessions print it as a warning in their summary.
 */
import {UserInputError} from '../core/errors.js'

/** Exit code of a backtest that completed but whose orders were mostly refused (0 ok, 1 internal error, 2 bad input). */
export const REFUSED_EXIT_CODE = 3

/** Code of an order the venue accepted and later reported rejected (not an answer to the request itself). */
export const REJECTED_AFTER_ACCEPT = 'rejected_after_accept'

export interface RefusalCounts {
  /** Orders the strategy tried to place: sent to the venue, or stopped before it (risk, sizing). */
  readonly attempted: number
  /** Refused orders by rejection code; risk refusals carry the `risk:` prefix, as in the report. */
  readonly refusedByCode: Readonly<Record<string, number>>
  /** The venue's own words for a code (its first refusal's message), to quote in the line. */
  readonly messages?: Readonly<Record<string, string>>
}

export interface RefusalVerdict {
  readonly attempted: number
  readonly refused: number
  /** The most frequent code (ties: the first by code point) and its count. */
  readonly code: string
  readonly count: number
  readonly hint: string
  /** The one line for the user: counts, the main code, its fix. */
  readonly line: string
}

/** Where the run happened: the fix for too little money is --cash in a backtest, funding the account in a session. */
export type RefusalContext = 'backtest' | 'session'

/**
 * Counts of a finished backtest. `rejections` holds every refusal by code (the venue's answers, the risk engine's
 * `risk:*` and the strategy's own sizing refusals), none of which reached the venue's book; `orders` are the
 * orders the venue took, of which those it later rejected count as refused too.
 */
export function backtestRefusals(r: {
  readonly orders: readonly {readonly status: string}[]
  readonly rejections: Readonly<Record<string, number>>
  readonly refused?: readonly {readonly request: {readonly clientOrderId: string}; readonly code: string; readonly message: string}[]
}): RefusalCounts {
  const refusedByCode: Record<string, number> = {...r.rejections}
  const late = r.orders.filter((o) => o.status === 'rejected').length
  if (late > 0) refusedByCode[REJECTED_AFTER_ACCEPT] = (refusedByCode[REJECTED_AFTER_ACCEPT] ?? 0) + late
  const messages: Record<string, string> = {}
  for (const x of r.refused ?? []) {
    // The simulator prefixes its messages with the client order id, which says nothing about the cause.
    const prefix = `${x.request.clientOrderId}: `
    messages[x.code] ??= x.message.startsWith(prefix) ? x.message.slice(prefix.length) : x.message
  }
  return {attempted: r.orders.length + sum(r.rejections), refusedByCode, messages}
}

/**
 * The verdict on a run: undefined when at most half of the attempted orders were refused (a run without orders
 * passes: refusing nothing is not a failure), else the main reason and its fix.
 */
export function checkRefusals(c: RefusalCounts, context: RefusalContext = 'backtest'): RefusalVerdict | undefined {
  // Entries the bot's own trading hours and cooldowns hold back are its rules working, not a setup mistake: they
  // stay in the report and the journal, but count neither as attempted nor as refused here.
  let deliberate = 0
  for (const code of BY_DESIGN) deliberate += c.refusedByCode[code] ?? 0
  const refused = sum(c.refusedByCode) - deliberate
  const attempted = c.attempted - deliberate
  if (attempted <= 0 || refused * 2 <= attempted) return undefined
  const [code, count] = Object.entries(c.refusedByCode)
    .filter(([k, n]) => n > 0 && !BY_DESIGN.has(k))
    .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0))[0]
  const hint = fixFor(code, context)
  const all = attempted === 1 ? 'the only order was refused' : refused >= attempted ? `all ${attempted} orders were refused` : `${refused} of ${attempted} orders were refused`
  const said = c.messages?.[code]
  const main = (count === refused ? code : `mostly ${code} (${count})`) + (said ? ` ("${oneLine(said)}")` : '')
  return {attempted, refused, code, count, hint, line: `${all}, ${main}: ${hint}`}
}

/** A backtest that ran to the end, but whose orders were mostly refused: one line, exit REFUSED_EXIT_CODE. */
export class RefusedOrdersError extends UserInputError {
  override readonly name: string = 'RefusedOrdersError'
  override readonly exitCode: number = REFUSED_EXIT_CODE

  constructor(readonly verdict: RefusalVerdict) {
    super(verdict.line, {hint: verdict.hint})
  }
}

const RISK_CONFIG = "the --config file's risk section"

/** Refusals by the bot's trading hours and cooldowns (fleet `schedule`, `cooldownMinutes`): deliberate. */
const BY_DESIGN: ReadonlySet<string> = new Set(['risk:schedule', 'risk:cooldown'])

/**
 * Rejection code -> what to change. Venue codes are the simulator's (src/sim/exchange.ts); risk codes are the
 * risk engine's (src/risk/risk-engine.ts) with the `risk:` prefix the order gateway gives them.
 */
const FIXES: Readonly<Record<string, {readonly backtest: string; readonly session?: string}>> = {
  position_idx: {
    backtest: "the orders' position side does not fit the venue's position mode (hedge mode needs a long or short leg, one-way mode none): --position-mode one-way for strategies that hold one position per symbol, hedge for the grid",
    session: "the orders do not fit the account's position mode: set the mode the strategy trades (one-way, or hedge for the grid) on the account or in the session's config",
  },
  insufficient_buying_power: {backtest: 'not enough cash for the orders: raise --cash or trade smaller', session: 'not enough buying power: fund the account or trade smaller'},
  insufficient_margin: {backtest: 'not enough margin for the orders: raise --cash or trade smaller', session: 'not enough margin: fund the account or trade smaller'},
  size_below_minimum: {backtest: "the strategy's order size rounds below the instrument's minimum quantity: raise --cash", session: "the strategy's order size rounds below the instrument's minimum quantity: fund the account"},
  below_min_qty: {backtest: "order quantities are below the instrument's minimum: raise --cash or the strategy's size", session: "order quantities are below the instrument's minimum: raise the strategy's size"},
  lot_size: {backtest: "order quantities are not multiples of the instrument's lot size: round the strategy's quantities to the lot size"},
  tick_size: {backtest: "limit or stop prices are off the instrument's tick size: round the strategy's prices to the tick size"},
  insufficient_qty: {backtest: 'sells exceed the position and short selling is off: set sim.allowShortStocks in --config, or fix the exits', session: 'sells exceed the position and the account cannot short: fix the exits'},
  reduce_only_flat: {backtest: 'reduce-only exits found no position to reduce: check the position mode (--position-mode) and the exits', session: "reduce-only exits found no position to reduce: check the account's position mode and the exits"},
  reduce_only_exceeds: {backtest: 'reduce-only exits are larger than the position: size exits from the position held'},
  tif: {backtest: 'the venue does not offer the time in force used (DAY on a crypto venue): send GTC orders'},
  market_closed: {backtest: "orders were sent outside market hours: send DAY or GTC orders (they queue for the open), or set sim.whenClosed to 'queue' in --config", session: 'orders were sent outside market hours: send DAY or GTC orders'},
  no_price: {backtest: 'orders were sent before the first price of their symbol: wait for a bar before ordering'},
  [REJECTED_AFTER_ACCEPT]: {backtest: 'the venue accepted orders and then rejected them: see rejectReason in orders.csv (--out)', session: 'the venue accepted orders and then rejected them: see the journal (`trader journal inspect`)'},
  audit_unavailable: {backtest: 'the audit trail (--audit) could not be written: fix the directory or run without --audit'},
  'risk:audit_unavailable': {backtest: 'the audit trail (--audit) could not be written: fix the directory or run without --audit'},
  'risk:kill_switch': {backtest: 'the kill switch is engaged: `trader risk clear --account ID` clears it, or run with --no-risk'},
  'risk:exposure_cap': {backtest: `the exposure cap refuses the entries: raise risk.maxExposure in ${RISK_CONFIG}, or run with --no-risk`},
  'risk:order_spacing': {backtest: `orders come faster than the risk spacing allows: lower risk.minOrderSpacingMs in ${RISK_CONFIG}, or run with --no-risk`},
  'risk:max_open_orders': {backtest: `too many open orders for the risk limit: raise risk.maxOpenOrders in ${RISK_CONFIG}, or run with --no-risk`},
  'risk:stale_data': {backtest: `the symbols' data is older than the risk limit allows: raise risk.staleDataMs in ${RISK_CONFIG} (sparse or daily data), or run with --no-risk`},
  'risk:stale_halt': {backtest: `too many symbols have stale data: raise risk.maxStaleFraction or risk.staleDataMs in ${RISK_CONFIG}, or run with --no-risk`},
  'risk:insufficient_data': {backtest: `entries come before the risk engine has seen enough bars: lower risk.minDataPoints in ${RISK_CONFIG}, or run with --no-risk`},
  'risk:symbol_position_limit': {backtest: `positions exceed the per-symbol limit: raise risk.maxPositionPerSymbol in ${RISK_CONFIG}, or run with --no-risk`},
  'risk:total_position_limit': {backtest: `positions exceed the total limit: raise risk.maxTotalPosition in ${RISK_CONFIG}, or run with --no-risk`},
  'risk:schedule': {backtest: "entries outside the bot's trading hours were held back: widen or remove `schedule` (fleet bot) or risk.schedule (--config)"},
  'risk:cooldown': {backtest: "entries during a symbol's cooldown were held back: lower `cooldownMinutes` (fleet bot) or risk.cooldownMs (--config)"},
  'risk:no_equity': {backtest: 'the account has no equity left to trade: raise --cash', session: 'the account has no equity left to trade: fund the account'},
  'risk:no_price': {backtest: 'orders were sent before the first price of their symbol: wait for a bar before ordering'},
  'risk:invalid_qty': {backtest: 'the strategy sends orders with a quantity that is not a positive number: a bug in the strategy (check its sizing)'},
  'risk:invalid_price': {backtest: 'the strategy sends orders with a price that is not a positive number: a bug in the strategy'},
}

/** The fix for a rejection code; codes without an entry get a pointer to where the venue's messages are. */
export function fixFor(code: string, context: RefusalContext = 'backtest'): string {
  const known = FIXES[code]
  if (known) {
    const text = (context === 'session' && known.session) || known.backtest
    // A paper or live session takes its risk limits from the fleet file (`trader paper --config FILE --bot ID`).
    return context === 'session' ? text.replaceAll(RISK_CONFIG, "the fleet file's risk section") : text
  }
  if (code.startsWith('risk:')) {
    return context === 'session'
      ? `the risk check ${code.slice(5)} refuses the orders: relax that limit in the fleet file's risk section, or run with --no-risk`
      : `the risk check ${code.slice(5)} refuses the orders: relax that limit in ${RISK_CONFIG}, or run with --no-risk`
  }
  return context === 'session'
    ? "see the venue's messages in the journal (`trader journal inspect`)"
    : "see the Rejections table, and the venue's messages in orders.csv (--out DIR)"
}

/** A venue message as a short quote on one line. */
function oneLine(message: string): string {
  const flat = message.replace(/\s+/g, ' ').trim()
  return flat.length > 120 ? `${flat.slice(0, 117)}...` : flat
}

function sum(counts: Readonly<Record<string, number>>): number {
  let n = 0
  for (const v of Object.values(counts)) n += v
  return n
}
