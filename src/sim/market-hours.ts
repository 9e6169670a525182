export {isMarketOpen, nextOpen, sessionOf, type Session} from '../core/calendar/index.js'
