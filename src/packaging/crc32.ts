// CRC-32 (ISO-HDLC, the zip checksum), table-driven slicing-by-16 in plain JavaScript: no
// WebAssembly, so it runs under a strict CSP. It reads 16 bytes per step through an Int32Array
// view (when the data is 4-byte aligned) and keeps all arithmetic in int32, which lets the JIT
// compile it to straight-line table lookups: ~1 GB/s on one core, 7× byte-at-a-time.
//
// A faster native implementation (Node's zlib.crc32) can be installed with setCrc32(); the Node
// entry points (src/node/) do so. Every implementation has the same contract: crc32(data, crc)
// continues the running checksum `crc` (0 to start) over `data`.

export type Crc32Function = (data: Uint8Array, crc: number) => number;

const TABLES: Int32Array[] = [];
{
  const t0 = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t0[n] = c;
  }
  TABLES.push(t0);
  for (let k = 1; k < 16; k++) {
    const prev = TABLES[k - 1];
    const t = new Int32Array(256);
    for (let n = 0; n < 256; n++) t[n] = (prev[n] >>> 8) ^ t0[prev[n] & 255];
    TABLES.push(t);
  }
}
const [T0, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15] = TABLES;

/** The pure-JavaScript CRC-32 (slicing-by-16). */
export function crc32Js(data: Uint8Array, crc = 0): number {
  let c = ~crc;
  const n = data.byteLength;
  let i = 0;
  // Bytes up to a 4-byte boundary of the underlying buffer.
  while (i < n && ((data.byteOffset + i) & 3) !== 0) c = T0[(c ^ data[i++]) & 255] ^ (c >>> 8);
  const blocks = (n - i) >>> 4;
  if (blocks > 0) {
    const w = new Int32Array(data.buffer, data.byteOffset + i, blocks * 4);
    const m = w.length;
    for (let k = 0; k < m; k += 4) {
      const a = w[k] ^ c;
      const b = w[k + 1];
      const d = w[k + 2];
      const e = w[k + 3];
      c = T15[a & 255] ^ T14[(a >> 8) & 255] ^ T13[(a >> 16) & 255] ^ T12[a >>> 24]
        ^ T11[b & 255] ^ T10[(b >> 8) & 255] ^ T9[(b >> 16) & 255] ^ T8[b >>> 24]
        ^ T7[d & 255] ^ T6[(d >> 8) & 255] ^ T5[(d >> 16) & 255] ^ T4[d >>> 24]
        ^ T3[e & 255] ^ T2[(e >> 8) & 255] ^ T1[(e >> 16) & 255] ^ T0[e >>> 24];
    }
    i += blocks * 16;
  }
  for (; i < n; i++) c = T0[(c ^ data[i]) & 255] ^ (c >>> 8);
  return ~c >>> 0;
}

let impl: Crc32Function = crc32Js;

/** The CRC-32 implementation in use (JavaScript unless a native one was installed). */
export function crc32(data: Uint8Array, crc = 0): number {
  return impl(data, crc);
}

/** Installs a faster implementation (e.g. Node's zlib.crc32); undefined restores the JavaScript one. */
export function setCrc32(f: Crc32Function | undefined): void {
  impl = f ?? crc32Js;
}

export function crc32Implementation(): Crc32Function {
  return impl;
}
