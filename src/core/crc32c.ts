/**
 * CRC-32C (Castagnoli, polynomial 0x1EDC6F41, reflected 0x82F63B78): the checksum of
 * iSCSI, ext4 metadata and Kafka records. Slicing-by-8 tables: eight bytes per step, about
 * 1 GB/s in V8 here, so a few hundred bytes of trade-log line cost well under a
 * microsecond. Allocates nothing per call.
 *
 * Check value: crc32c("123456789") = 0xe3069283.
 */
const POLYNOMIAL = 0x82f63b78;

const TABLES: Uint32Array = (() => {
  const tables = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLYNOMIAL : c >>> 1;
    tables[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    let c = tables[n] as number;
    for (let t = 1; t < 8; t++) {
      c = (tables[c & 0xff] as number) ^ (c >>> 8);
      tables[t * 256 + n] = c >>> 0;
    }
  }
  return tables;
})();

/** CRC-32C of bytes[start, end), as an unsigned 32-bit integer. */
export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length): number {
  const t = TABLES;
  let crc = 0xffffffff;
  let i = start;
  const end8 = end - ((end - start) & 7);
  while (i < end8) {
    const a = crc ^ ((bytes[i] as number) | ((bytes[i + 1] as number) << 8) | ((bytes[i + 2] as number) << 16) | ((bytes[i + 3] as number) << 24));
    crc =
      (t[7 * 256 + (a & 0xff)] as number) ^
      (t[6 * 256 + ((a >>> 8) & 0xff)] as number) ^
      (t[5 * 256 + ((a >>> 16) & 0xff)] as number) ^
      (t[4 * 256 + (a >>> 24)] as number) ^
      (t[3 * 256 + (bytes[i + 4] as number)] as number) ^
      (t[2 * 256 + (bytes[i + 5] as number)] as number) ^
      (t[256 + (bytes[i + 6] as number)] as number) ^
      (t[bytes[i + 7] as number] as number);
    i += 8;
  }
  while (i < end) crc = (t[(crc ^ (bytes[i++] as number)) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
