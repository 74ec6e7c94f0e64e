// Sub-byte tensors (int4, uint1/2/3/4/6): the MIL program holds one value per byte; the protobuf
// immediate value and the weight blob hold them packed, bit fields filled from the least
// significant bit of each byte upward, an element split across bytes continuing in the next
// byte's low bits (coremltools' order, and WebNN's for int4).

const BITS: Readonly<Record<string, number>> = { int4: 4, uint4: 4, uint1: 1, uint2: 2, uint3: 3, uint6: 6 };

export type SubByteDataType = "int4" | "uint4" | "uint1" | "uint2" | "uint3" | "uint6";

export function isSubByte(dataType: string): dataType is SubByteDataType {
  return Object.prototype.hasOwnProperty.call(BITS, dataType);
}

/** Bits per element of a sub-byte type. */
export function subByteBits(dataType: SubByteDataType): number {
  return BITS[dataType];
}

/** Packs `count` values of `bits` bits each (one per byte, sign-extended or not) LSB first. */
export function packBits(unpacked: ArrayLike<number>, count: number, bits: number): { bytes: Uint8Array; paddingBits: number } {
  const total = count * bits;
  const bytes = new Uint8Array(Math.ceil(total / 8));
  const mask = (1 << bits) - 1;
  if (bits === 4) {
    for (let i = 0; i < count; i++) bytes[i >> 1] |= (unpacked[i] & 0x0f) << ((i & 1) * 4);
  } else {
    for (let i = 0, bit = 0; i < count; i++, bit += bits) {
      const v = (unpacked[i] & mask) << (bit & 7); // at most 14 bits: spans at most two bytes
      bytes[bit >> 3] |= v & 0xff;
      if (v > 0xff) bytes[(bit >> 3) + 1] |= v >> 8;
    }
  }
  return { bytes, paddingBits: (8 - (total % 8)) % 8 };
}

/** Unpacks `count` values of `bits` bits, one per byte; `signed` sign-extends (two's complement byte). */
export function unpackBits(packed: Uint8Array, count: number, bits: number, signed: boolean): Uint8Array {
  const out = new Uint8Array(count);
  const mask = (1 << bits) - 1;
  const half = 1 << (bits - 1);
  for (let i = 0, bit = 0; i < count; i++, bit += bits) {
    const at = bit >> 3;
    const word = packed[at] | ((at + 1 < packed.length ? packed[at + 1] : 0) << 8);
    const n = (word >> (bit & 7)) & mask;
    out[i] = signed && n >= half ? (n - (1 << bits)) & 0xff : n;
  }
  return out;
}

/** Packs a sub-byte tensor held one value per byte. */
export function packSubByte(dataType: SubByteDataType, unpacked: Uint8Array, count: number): { bytes: Uint8Array; paddingBits: number } {
  return packBits(unpacked, count, BITS[dataType]);
}

/** Unpacks a sub-byte tensor to one value per byte (int4 sign-extended). */
export function unpackSubByte(dataType: SubByteDataType, packed: Uint8Array, count: number): Uint8Array {
  return unpackBits(packed, count, BITS[dataType], dataType === "int4");
}

/** Bytes that `count` packed values of the type take. */
export function packedSize(dataType: SubByteDataType, count: number): number {
  return Math.ceil((count * BITS[dataType]) / 8);
}
