/**
 * The Alpaca wire protocol of the exchange emulator (see protocol.ts for what it serves and how it answers).
 * `createAlpacaProtocol` is the venue's defaults (200 requests per minute per key); tests that need another
 * budget build one with `alpacaProtocolWith`.
 */
import type {ProtocolFactory} from '../venue-api.js'
import {AlpacaProtocol, type AlpacaProtocolOptions} from './protocol.js'

export const createAlpacaProtocol: ProtocolFactory = (venue) => new AlpacaProtocol(venue)

export function alpacaProtocolWith(opts: AlpacaProtocolOptions): ProtocolFactory {
  return (venue) => new AlpacaProtocol(venue, opts)
}

export {AlpacaProtocol, type AlpacaProtocolOptions} from './protocol.js'
export {decodeMsgpack, encodeMsgpack, MsgpackTimestamp} from './msgpack.js'
