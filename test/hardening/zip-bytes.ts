// A stored zip of any entries, in one buffer, written by the product's own zip writer (zip64
// end records when needed): for tests and the fuzz corpus that need zips no package would make.
import { writeZipRandomAccess, type EntryInput } from "../../src/packaging/zip.js";

export async function zipBytes(entries: EntryInput[]): Promise<Uint8Array> {
  const parts: { data: Uint8Array; position: number }[] = [];
  await writeZipRandomAccess(entries, { write: async (data, position) => { parts.push({ data: data.slice(), position }); } });
  const out = new Uint8Array(parts.reduce((n, p) => Math.max(n, p.position + p.data.byteLength), 0));
  for (const p of parts) out.set(p.data, p.position);
  return out;
}
