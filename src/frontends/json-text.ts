// Text helpers shared by the readers: UTF-8 and JSON decoding with typed errors, short
// descriptions of JSON values for messages, and base64.

export function describeJson(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") return "an object";
  const s = JSON.stringify(v);
  return `${typeof v} ${s.length > 40 ? s.slice(0, 40) + "…" : s}`;
}

export function decodeUtf8(bytes: Uint8Array, what: string, onError: (m: string) => never): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return onError(`${what} is not valid UTF-8`);
  }
}

export function parseJsonText(text: string, what: string, onError: (m: string) => never): unknown {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return JSON.parse(text);
  } catch (e) {
    return onError(`${what} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}


const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64_INDEX = (() => {
  const t = new Int16Array(128).fill(-1);
  for (let i = 0; i < 64; i++) t[B64.charCodeAt(i)] = i;
  t["-".charCodeAt(0)] = 62; // base64url
  t["_".charCodeAt(0)] = 63;
  return t;
})();

/** Decodes standard or URL-safe base64 (padding optional, whitespace ignored); undefined when invalid. */
export function decodeBase64(s: string): Uint8Array | undefined {
  const clean = s.replace(/[\s]/g, "").replace(/=+$/, "");
  if (clean.length % 4 === 1) return undefined;
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let acc = 0, bits = 0, j = 0;
  for (let i = 0; i < clean.length; i++) {
    const c = clean.charCodeAt(i);
    const v = c < 128 ? B64_INDEX[c] : -1;
    if (v < 0) return undefined;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[j++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

