/**
 * The part of MessagePack (https://github.com/msgpack/msgpack/blob/master/spec.md) Alpaca's market-data stream
 * uses: nil, booleans, integers, float64, UTF-8 strings, arrays, maps with string keys, binary, and the timestamp
 * extension (type -1), which Alpaca uses for the `t` of bars. Clients that ask for MessagePack (the SDK sends
 * `Content-Type: application/msgpack` and encodes its own messages in it) are answered in it.
 */

/** A MessagePack timestamp: whole seconds and nanoseconds since the epoch. */
export class MsgpackTimestamp {
  constructor(readonly sec: number, readonly nsec: number) {}

  static fromMs(ms: number): MsgpackTimestamp {
    const sec = Math.floor(ms / 1000)
    return new MsgpackTimestamp(sec, (ms - sec * 1000) * 1_000_000)
  }

  toMs(): number {
    return this.sec * 1000 + Math.floor(this.nsec / 1_000_000)
  }
}

export class MsgpackError extends Error {
  override readonly name = 'MsgpackError'
}

class Writer {
  private buf = Buffer.alloc(256)
  private n = 0

  private room(k: number): void {
    if (this.n + k <= this.buf.length) return
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.n + k))
    this.buf.copy(next, 0, 0, this.n)
    this.buf = next
  }

  u8(v: number): void {
    this.room(1)
    this.buf[this.n++] = v
  }

  u16(v: number): void {
    this.room(2)
    this.buf.writeUInt16BE(v, this.n)
    this.n += 2
  }

  u32(v: number): void {
    this.room(4)
    this.buf.writeUInt32BE(v, this.n)
    this.n += 4
  }

  i64(v: bigint): void {
    this.room(8)
    this.buf.writeBigInt64BE(v, this.n)
    this.n += 8
  }

  u64(v: bigint): void {
    this.room(8)
    this.buf.writeBigUInt64BE(v, this.n)
    this.n += 8
  }

  f64(v: number): void {
    this.room(8)
    this.buf.writeDoubleBE(v, this.n)
    this.n += 8
  }

  bytes(b: Uint8Array): void {
    this.room(b.length)
    this.buf.set(b, this.n)
    this.n += b.length
  }

  done(): Buffer {
    return this.buf.subarray(0, this.n)
  }
}

export function encodeMsgpack(value: unknown): Buffer {
  const w = new Writer()
  write(w, value)
  return w.done()
}

function write(w: Writer, v: unknown): void {
  if (v === null || v === undefined) return w.u8(0xc0)
  if (v === false) return w.u8(0xc2)
  if (v === true) return w.u8(0xc3)
  if (typeof v === 'number') return writeNumber(w, v)
  if (typeof v === 'bigint') {
    if (v >= 0n) {
      w.u8(0xcf)
      return w.u64(v)
    }
    w.u8(0xd3)
    return w.i64(v)
  }
  if (typeof v === 'string') return writeString(w, v)
  if (v instanceof MsgpackTimestamp) {
    // timestamp 96: ext 8, length 12, type -1, nanoseconds (uint32), seconds (int64)
    w.u8(0xc7)
    w.u8(12)
    w.u8(0xff)
    w.u32(v.nsec)
    return w.i64(BigInt(v.sec))
  }
  if (v instanceof Uint8Array) {
    header(w, v.length, [0xc4, 0xc5, 0xc6], 0, -1)
    return w.bytes(v)
  }
  if (Array.isArray(v)) {
    header(w, v.length, [0xdc, 0xdc, 0xdd], 0x90, 16)
    for (const x of v) write(w, x)
    return
  }
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined)
    header(w, entries.length, [0xde, 0xde, 0xdf], 0x80, 16)
    for (const [k, x] of entries) {
      writeString(w, k)
      write(w, x)
    }
    return
  }
  throw new MsgpackError(`cannot encode a ${typeof v}`)
}

/** Length header: a fix form below `fixLimit` (when it has one), else the 8-, 16- or 32-bit form. */
function header(w: Writer, len: number, forms: readonly [number, number, number], fix: number, fixLimit: number): void {
  if (fixLimit > 0 && len < fixLimit) return w.u8(fix | len)
  if (len < 256 && forms[0] !== forms[1]) {
    w.u8(forms[0])
    return w.u8(len)
  }
  if (len < 65_536) {
    w.u8(forms[1])
    return w.u16(len)
  }
  w.u8(forms[2])
  w.u32(len)
}

function writeString(w: Writer, s: string): void {
  const b = Buffer.from(s, 'utf8')
  if (b.length < 32) w.u8(0xa0 | b.length)
  else header(w, b.length, [0xd9, 0xda, 0xdb], 0, -1)
  w.bytes(b)
}

function writeNumber(w: Writer, v: number): void {
  if (Number.isSafeInteger(v)) {
    if (v >= 0) {
      if (v < 128) return w.u8(v)
      if (v < 256) return (w.u8(0xcc), w.u8(v))
      if (v < 65_536) return (w.u8(0xcd), w.u16(v))
      if (v < 2 ** 32) return (w.u8(0xce), w.u32(v))
      return (w.u8(0xcf), w.u64(BigInt(v)))
    }
    if (v >= -32) return w.u8(0x100 + v)
    w.u8(0xd3)
    return w.i64(BigInt(v))
  }
  w.u8(0xcb)
  w.f64(v)
}

export function decodeMsgpack(data: Uint8Array): unknown {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  const r = {pos: 0}
  const v = read(buf, r)
  if (r.pos !== buf.length) throw new MsgpackError(`${buf.length - r.pos} bytes after the value`)
  return v
}

function need(buf: Buffer, r: {pos: number}, k: number): void {
  if (r.pos + k > buf.length) throw new MsgpackError('message ends inside a value')
}

function read(buf: Buffer, r: {pos: number}): unknown {
  need(buf, r, 1)
  const b = buf[r.pos++]
  if (b < 0x80) return b
  if (b >= 0xe0) return b - 0x100
  if ((b & 0xf0) === 0x80) return readMap(buf, r, b & 0x0f)
  if ((b & 0xf0) === 0x90) return readArray(buf, r, b & 0x0f)
  if ((b & 0xe0) === 0xa0) return readStr(buf, r, b & 0x1f)
  const u = (k: number): number => {
    need(buf, r, k)
    const v = k === 1 ? buf[r.pos] : k === 2 ? buf.readUInt16BE(r.pos) : buf.readUInt32BE(r.pos)
    r.pos += k
    return v
  }
  const big = (signed: boolean): number | bigint => {
    need(buf, r, 8)
    const v = signed ? buf.readBigInt64BE(r.pos) : buf.readBigUInt64BE(r.pos)
    r.pos += 8
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v
  }
  switch (b) {
    case 0xc0:
      return null
    case 0xc2:
      return false
    case 0xc3:
      return true
    case 0xc4:
      return readBin(buf, r, u(1))
    case 0xc5:
      return readBin(buf, r, u(2))
    case 0xc6:
      return readBin(buf, r, u(4))
    case 0xc7:
      return readExt(buf, r, u(1))
    case 0xc8:
      return readExt(buf, r, u(2))
    case 0xc9:
      return readExt(buf, r, u(4))
    case 0xca: {
      need(buf, r, 4)
      const v = buf.readFloatBE(r.pos)
      r.pos += 4
      return v
    }
    case 0xcb: {
      need(buf, r, 8)
      const v = buf.readDoubleBE(r.pos)
      r.pos += 8
      return v
    }
    case 0xcc:
      return u(1)
    case 0xcd:
      return u(2)
    case 0xce:
      return u(4)
    case 0xcf:
      return big(false)
    case 0xd0: {
      const v = u(1)
      return v >= 0x80 ? v - 0x100 : v
    }
    case 0xd1: {
      const v = u(2)
      return v >= 0x8000 ? v - 0x10000 : v
    }
    case 0xd2: {
      need(buf, r, 4)
      const v = buf.readInt32BE(r.pos)
      r.pos += 4
      return v
    }
    case 0xd3:
      return big(true)
    case 0xd4:
      return readExt(buf, r, 1)
    case 0xd5:
      return readExt(buf, r, 2)
    case 0xd6:
      return readExt(buf, r, 4)
    case 0xd7:
      return readExt(buf, r, 8)
    case 0xd8:
      return readExt(buf, r, 16)
    case 0xd9:
      return readStr(buf, r, u(1))
    case 0xda:
      return readStr(buf, r, u(2))
    case 0xdb:
      return readStr(buf, r, u(4))
    case 0xdc:
      return readArray(buf, r, u(2))
    case 0xdd:
      return readArray(buf, r, u(4))
    case 0xde:
      return readMap(buf, r, u(2))
    case 0xdf:
      return readMap(buf, r, u(4))
    default:
      throw new MsgpackError(`unknown type byte 0x${b.toString(16)}`)
  }
}

function readStr(buf: Buffer, r: {pos: number}, len: number): string {
  need(buf, r, len)
  const s = buf.toString('utf8', r.pos, r.pos + len)
  r.pos += len
  return s
}

function readBin(buf: Buffer, r: {pos: number}, len: number): Uint8Array {
  need(buf, r, len)
  const b = new Uint8Array(buf.subarray(r.pos, r.pos + len))
  r.pos += len
  return b
}

function readArray(buf: Buffer, r: {pos: number}, len: number): unknown[] {
  const out: unknown[] = []
  for (let i = 0; i < len; i++) out.push(read(buf, r))
  return out
}

function readMap(buf: Buffer, r: {pos: number}, len: number): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (let i = 0; i < len; i++) {
    const k = read(buf, r)
    if (typeof k !== 'string') throw new MsgpackError('map keys must be strings')
    out[k] = read(buf, r)
  }
  return out
}

function readExt(buf: Buffer, r: {pos: number}, len: number): unknown {
  need(buf, r, 1 + len)
  const type = buf.readInt8(r.pos)
  const start = r.pos + 1
  r.pos = start + len
  if (type !== -1) return {ext: type, data: new Uint8Array(buf.subarray(start, start + len))}
  if (len === 4) return new MsgpackTimestamp(buf.readUInt32BE(start), 0)
  if (len === 8) {
    const hi = buf.readUInt32BE(start)
    const lo = buf.readUInt32BE(start + 4)
    return new MsgpackTimestamp((hi & 0x3) * 2 ** 32 + lo, hi >>> 2)
  }
  if (len === 12) return new MsgpackTimestamp(Number(buf.readBigInt64BE(start + 4)), buf.readUInt32BE(start))
  throw new MsgpackError(`timestamp extension of ${len} bytes`)
}
