/** The `--position-mode` flag of `trader exchange serve`, `trader paper` and `trader live`, validated by zod. */
import {type PositionModeSetting, PositionModeSettingSchema} from '../sim/config.js'
import {UserInputError} from '../core/errors.js'

/** `--position-mode one-way|hedge` (every perpetual) or per symbol, `BTCUSDT=hedge,ETHUSDT=one-way` (the rest one-way). */
export function parsePositionModeFlag(text: string): PositionModeSetting {
  const t = text.trim()
  const raw: unknown = t.includes('=')
    ? Object.fromEntries(t.split(',').map((pair) => pair.split('=').map((x) => x.trim())).map(([k, v]) => [k.toUpperCase(), v]))
    : t
  const parsed = PositionModeSettingSchema.safeParse(raw)
  if (!parsed.success) throw new UserInputError(`--position-mode '${text}' is not understood; use one-way, hedge, or per symbol e.g. BTCUSDT=hedge,ETHUSDT=one-way`)
  return parsed.data
}
