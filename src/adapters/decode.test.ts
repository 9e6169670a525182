import {describe, expect, it} from 'vitest'
import {z} from 'zod'
import {blankOrDecimal, decimalString, decode, describeIssues, emptyOrDecimal, epochMs, intLike, isoTime, mismatch} from './decode.js'

describe('decimalString: numbers sent as strings, parsed strictly', () => {
  it.each([['0.0851119', 0.0851119], ['-620.53813709', -620.53813709], ['150', 150], ['1e-7', 1e-7], ['.5', 0.5], ['0.00', 0]])('%s → %d', (s, n) => {
    expect(decimalString.parse(s)).toBe(n)
  })

  it.each(['', 'abc', 'NaN', 'Infinity', '1e999', ' 1', '1 ', '1,5', '0x10', '+1', '--1', '1.2.3'])('rejects %j (never NaN, never a default)', (s) => {
    const r = decimalString.safeParse(s)
    expect(r.success).toBe(false)
  })

  it('rejects a JSON number where the venue sends a string', () => {
    expect(decimalString.safeParse(129.7).success).toBe(false)
  })

  it('emptyOrDecimal: "" is "not applicable" (undefined); other text must be a decimal', () => {
    expect(emptyOrDecimal.parse('')).toBeUndefined()
    expect(emptyOrDecimal.parse('75')).toBe(75)
    expect(emptyOrDecimal.safeParse('n/a').success).toBe(false)
    expect(emptyOrDecimal.safeParse(null).success).toBe(false)
  })

  it('blankOrDecimal: null and "" are "not applicable"; a number or other text is still an issue', () => {
    expect(blankOrDecimal.parse(null)).toBeUndefined()
    expect(blankOrDecimal.parse('')).toBeUndefined()
    expect(blankOrDecimal.parse('0')).toBe(0)
    expect(blankOrDecimal.parse('26864.4')).toBe(26864.4)
    expect(blankOrDecimal.safeParse(5).success).toBe(false)
    expect(blankOrDecimal.safeParse('n/a').success).toBe(false)
  })
})

describe('times and integers', () => {
  it('epochMs accepts digits as a string or an integer, nothing else', () => {
    expect(epochMs.parse('1672364174443')).toBe(1672364174443)
    expect(epochMs.parse(1672364174443)).toBe(1672364174443)
    for (const bad of ['-1', '1.5', 'abc', '', -5, 1.5, '99999999999999999']) expect(epochMs.safeParse(bad).success, String(bad)).toBe(false)
  })

  it('intLike accepts 0 and "0" (recorders stringify Bybit retCodes)', () => {
    expect(intLike.parse('0')).toBe(0)
    expect(intLike.parse(10006)).toBe(10006)
    expect(intLike.safeParse('0.5').success).toBe(false)
  })

  it('isoTime reads nanoseconds and zone offsets, refuses dates without time', () => {
    expect(isoTime.parse('2026-09-18T13:24:50.019303395Z')).toBe(Date.UTC(2026, 8, 18, 13, 24, 50, 19))
    expect(isoTime.parse('2024-07-18T04:10:33.389152169-04:00')).toBe(Date.UTC(2024, 6, 18, 8, 10, 33, 389))
    expect(isoTime.safeParse('2024-07-18').success).toBe(false)
    expect(isoTime.safeParse('yesterday').success).toBe(false)
  })
})

describe('decode: schema issues and mapping mismatches become failures with the raw payload', () => {
  const schema = z.object({data: z.array(z.object({execPrice: decimalString}))})

  it('names the path and message, and shows what was received', () => {
    const raw = {data: [{execPrice: '1'}, {execPrice: 'abc'}]}
    const r = decode('test', schema, raw, (v) => v)
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.error.reason).toBe('data[1].execPrice: expected a decimal number in a string (got "abc")')
    expect(r.error.raw).toBe(raw)
    expect(r.error.channel).toBe('test')
  })

  it('a mapping mismatch is a failure too, not a throw', () => {
    const r = decode('test', schema, {data: []}, () => mismatch('data', 'empty list'))
    expect(r).toEqual({ok: false, error: {channel: 'test', reason: 'data: empty list', raw: {data: []}}})
  })

  it('an unexpected exception in a mapping step is contained', () => {
    const r = decode('test', schema, {data: []}, () => {
      throw new TypeError('boom')
    })
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error.reason).toBe('decoder error: boom')
  })

  it('lists at most three issues', () => {
    const p = z.object({a: z.string(), b: z.string(), c: z.string(), d: z.string()}).safeParse({}, {reportInput: true})
    if (p.success) throw new Error('expected issues')
    expect(describeIssues(p.error)).toMatch(/^a: .*; b: .*; c: .*; and 1 more$/)
  })
})
