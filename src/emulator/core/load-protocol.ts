/** The wire protocol of a venue, imported only when that venue is served (so `--help` and the other venue stay light). */
import type {ProtocolFactory} from '../venue-api.js'

export async function loadProtocol(venue: 'alpaca' | 'bybit'): Promise<ProtocolFactory> {
  if (venue === 'alpaca') return (await import('../alpaca/index.js')).createAlpacaProtocol
  return (await import('../bybit/index.js')).createBybitProtocol
}
