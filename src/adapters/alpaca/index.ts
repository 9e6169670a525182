/** Alpaca payload decoding and error mapping (the network client is separate work). */
export {ALPACA_ORDER_STATUSES, ALPACA_STATUS_RULES, alpacaOrderStatus, type AlpacaOrderStatus} from './order-status.js'
export {
  ALPACA_VENUE, alpacaOrderToSnapshot, decodeAlpacaAccount, decodeAlpacaBars, decodeAlpacaClock, decodeAlpacaErrorBody, decodeAlpacaOrder,
  decodeAlpacaOrderbooks, decodeAlpacaOrders, decodeAlpacaPosition, decodeAlpacaPositions, decodeAlpacaTrades, type AlpacaClock,
} from './decode-rest.js'
export {ALPACA_STREAM_CHANNEL, decodeAlpacaStreamFrame, type AlpacaControl, type AlpacaStreamMessage} from './decode-stream.js'
export {mapAlpacaError, type AlpacaErrorContext} from './errors.js'
// Live adapter (issue 6): the broker port and market feed on a VenueTransport, and the SDK transport (lazy SDK import).
export {ALPACA_BAR_STREAM, ALPACA_TRADE_STREAM, AlpacaAdapter, type AdapterDeps as AlpacaAdapterDeps} from './alpaca-adapter.js'
export {createAlpacaSdkTransport, type SdkTransportOptions as AlpacaSdkTransportOptions} from './sdk-transport.js'
export {decodeAlpacaFillActivities, decodeAlpacaFillActivity, type AlpacaFillActivity} from './decode-activities.js'
export {ALPACA_DATA_CHANNEL, decodeAlpacaDataMessage, type AlpacaDataMessage} from './decode-market-stream.js'
export {ALPACA_MAX_CLIENT_ORDER_ID, alpacaOrderBody, alpacaReplaceBody, engineClientOrderId, nextReplacementId} from './order-body.js'
