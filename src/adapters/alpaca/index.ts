/** Alpaca payload decoding and error mapping (the network client is separate work). */
export {ALPACA_ORDER_STATUSES, ALPACA_STATUS_RULES, alpacaOrderStatus, type AlpacaOrderStatus} from './order-status.js'
export {
  ALPACA_VENUE, alpacaOrderToSnapshot, decodeAlpacaAccount, decodeAlpacaBars, decodeAlpacaClock, decodeAlpacaErrorBody, decodeAlpacaOrder,
  decodeAlpacaOrderbooks, decodeAlpacaOrders, decodeAlpacaPosition, decodeAlpacaPositions, decodeAlpacaTrades, type AlpacaClock,
} from './decode-rest.js'
export {ALPACA_STREAM_CHANNEL, decodeAlpacaStreamFrame, type AlpacaControl, type AlpacaStreamMessage} from './decode-stream.js'
export {mapAlpacaError, type AlpacaErrorContext} from './errors.js'
