/** The NYSE exchange calendar: sessions, holidays and early closes (see ./nyse.ts for the rules and sources). */
export {
  holidayName,
  isEarlyClose,
  isHoliday,
  isMarketOpen,
  newYorkDateOf,
  newYorkDayOf,
  nextOpen,
  sessionOf,
  sessionOfDate,
  sessionOfDay,
  sessionsBetween,
  type Session,
} from './sessions.js'
export {NYSE_CHECKED_YEARS, nyseYear, type NyseYear} from './nyse.js'
export {epochDay, formatDay, parseDay} from './civil-day.js'
