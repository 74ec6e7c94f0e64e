// Sub-byte (int4/uint4) tensors: the MIL program holds one value per byte; the protobuf
// immediate value and the weight blob hold them packed, two per byte, first element in the
// low nibble (coremltools packs least significant bits first — the same order as WebNN).

export function isSubByte(dataType: string): dataType is "int4" | "uint4" {
  return dataType === "int4" || dataType === "uint4";
}

/** Packs `count` 4-bit values (one per byte, sign-extended or not) two per byte. */
export function packNibbles(unpacked: Uint8Array, count: number): { bytes: Uint8Array; paddingBits: number } {
  const bytes = new Uint8Array(Math.ceil(count / 2));
  for (let i = 0; i < count; i++) bytes[i >> 1] |= (unpacked[i] & 0x0f) << ((i & 1) * 4);
  return { bytes, paddingBits: (count & 1) * 4 };
}

/** Unpacks `count` 4-bit values, one per byte; int4 values are sign-extended (two's complement byte). */
export function unpackNibbles(packed: Uint8Array, count: number, signed: boolean): Uint8Array {
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const n = (packed[i >> 1] >> ((i & 1) * 4)) & 0x0f;
    out[i] = signed && n >= 8 ? (n - 16) & 0xff : n;
  }
  return out;
}

export function packedSize(count: number): number {
  return Math.ceil(count / 2);
}
