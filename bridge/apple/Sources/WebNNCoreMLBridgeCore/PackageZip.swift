// A small reader for the STORE zips webnn-coreml writes (src/packaging/zip.ts): end records
// (zip64 too), central directory, local headers; files are copied out in 1 MiB pieces with their
// CRC-32 checked. Foundation has no zip API; compressed entries are refused (the package zips
// are STORE by design, so no decompressor is needed). Same checks as checkStoreZip in
// src/node/bridge-host.ts: safe names, one `X.mlpackage/` root holding everything, data inside
// the archive, at most maxFiles files, sizes within maxPackageBytes. Symlink or permission bits in
// the archive are ignored: only plain folders and files are created.
import Foundation

public struct ZipEntry: Sendable {
    public let name: String
    public let isDirectory: Bool
    public let size: UInt64
    public let crc32: UInt32
    public let dataOffset: UInt64
}

public enum PackageZip {
    static func invalid(_ why: String) -> BridgeError { BridgeError(.invalidPackage, "not a package zip: \(why)") }

    /// Reads and checks the archive's directory. Returns the entries and the package root prefix ("" or "Name.mlpackage/").
    public static func entries(of url: URL, limits: BridgeLimits) throws -> (entries: [ZipEntry], root: String) {
        let fh = try FileHandle(forReadingFrom: url)
        defer { try? fh.close() }
        return try entries(fh, limits: limits)
    }

    static func read(_ fh: FileHandle, at offset: UInt64, count: Int) throws -> [UInt8] {
        try fh.seek(toOffset: offset)
        let d = try fh.read(upToCount: count) ?? Data()
        guard d.count == count else { throw invalid("truncated at \(offset)") }
        return [UInt8](d)
    }

    static func entries(_ fh: FileHandle, limits: BridgeLimits) throws -> (entries: [ZipEntry], root: String) {
        let size = try fh.seekToEnd()
        guard size >= 22 else { throw invalid("too short") }
        let tailCount = Int(min(size, 22 + 0xFFFF))
        let tailStart = size - UInt64(tailCount)
        let tail = try read(fh, at: tailStart, count: tailCount)
        func u16(_ b: [UInt8], _ at: Int) -> UInt64 { UInt64(b[at]) | UInt64(b[at + 1]) << 8 }
        func u32(_ b: [UInt8], _ at: Int) -> UInt64 { u16(b, at) | u16(b, at + 2) << 16 }
        func u64(_ b: [UInt8], _ at: Int) -> UInt64 { u32(b, at) | u32(b, at + 4) << 32 }

        // End of central directory record: the last one whose comment ends the file.
        var eocd = -1
        var i = tailCount - 22
        while i >= 0 {
            if u32(tail, i) == 0x0605_4B50 && i + 22 + Int(u16(tail, i + 20)) == tailCount { eocd = i; break }
            i -= 1
        }
        guard eocd >= 0 else { throw invalid("no end of central directory record") }
        var count = u16(tail, eocd + 10)
        var cdSize = u32(tail, eocd + 12)
        var cdOffset = u32(tail, eocd + 16)
        if count == 0xFFFF || cdSize == 0xFFFF_FFFF || cdOffset == 0xFFFF_FFFF {
            let locatorAt = tailStart + UInt64(eocd)
            guard locatorAt >= 20 else { throw invalid("zip64 locator missing") }
            let loc = try read(fh, at: locatorAt - 20, count: 20)
            guard u32(loc, 0) == 0x0706_4B50 else { throw invalid("zip64 locator missing") }
            let recAt = u64(loc, 8)
            guard recAt + 56 <= locatorAt - 20 else { throw invalid("zip64 end record missing") }
            let rec = try read(fh, at: recAt, count: 56)
            guard u32(rec, 0) == 0x0606_4B50 else { throw invalid("zip64 end record missing") }
            count = u64(rec, 32)
            cdSize = u64(rec, 40)
            cdOffset = u64(rec, 48)
        }
        guard cdOffset <= size, cdSize <= size - cdOffset else { throw invalid("central directory runs past the end") }
        // The same bounds as every package reader of the library (PACKAGE_READ_LIMITS, src/limits.ts).
        let maxEntries = UInt64(limits.maxFiles * 4 + 16)
        guard count <= maxEntries else { throw invalid("the zip declares \(count) entries; a package has a handful, and at most \(maxEntries) are read (maxZipEntries)") }
        guard cdSize <= max(1, count) * 4096 else { throw invalid("the zip's central directory is \(cdSize) bytes for \(count) entries, over 4096 bytes an entry") }
        let cd = try read(fh, at: cdOffset, count: Int(cdSize))

        var entries: [ZipEntry] = []
        var names = Set<String>()
        var p = 0
        for n in 0..<Int(count) {
            guard p + 46 <= cd.count, u32(cd, p) == 0x0201_4B50 else { throw invalid("central directory entry \(n) is damaged") }
            let flags = u16(cd, p + 8)
            let method = u16(cd, p + 10)
            let crc = UInt32(u32(cd, p + 16))
            var csize = u32(cd, p + 20)
            var usize = u32(cd, p + 24)
            let nameLen = Int(u16(cd, p + 28))
            let extraLen = Int(u16(cd, p + 30))
            let commentLen = Int(u16(cd, p + 32))
            var local = u32(cd, p + 42)
            guard p + 46 + nameLen + extraLen + commentLen <= cd.count else { throw invalid("central directory entry \(n) runs past the directory") }
            let nameBytes = Array(cd[(p + 46)..<(p + 46 + nameLen)])
            guard let name = String(bytes: nameBytes, encoding: .utf8) else { throw invalid("entry \(n) name is not UTF-8") }
            // zip64 extra field: the 32-bit fields set to 0xFFFFFFFF, in order usize, csize, offset.
            var x = p + 46 + nameLen
            let extraEnd = x + extraLen
            while x + 4 <= extraEnd {
                let id = u16(cd, x)
                let len = Int(u16(cd, x + 2))
                if id == 0x0001 {
                    var y = x + 4
                    func next() throws -> UInt64 {
                        guard y + 8 <= x + 4 + len, y + 8 <= extraEnd else { throw invalid("entry \(name): zip64 extra field too short") }
                        defer { y += 8 }
                        return u64(cd, y)
                    }
                    if usize == 0xFFFF_FFFF { usize = try next() }
                    if csize == 0xFFFF_FFFF { csize = try next() }
                    if local == 0xFFFF_FFFF { local = try next() }
                }
                x += 4 + len
            }
            p += 46 + nameLen + extraLen + commentLen

            guard flags & 1 == 0 else { throw invalid("entry \(name) is encrypted") }
            guard method == 0 else { throw BridgeError(.invalidPackage, "entry \(name) is compressed (method \(method)); only STORE archives are read") }
            guard csize == usize else { throw invalid("entry \(name): stored size \(csize) differs from size \(usize)") }
            let isDirectory = name.hasSuffix("/")
            guard isSafePackagePath(name, directory: isDirectory) else { throw BridgeError(.unsafePath, "zip entry \"\(name)\" has an unsafe path") }
            guard names.insert(name).inserted else { throw invalid("entry \(name) appears twice") }
            guard local + 30 <= cdOffset else { throw invalid("entry \(name): no local header at \(local)") }
            let header = try read(fh, at: local, count: 30)
            guard u32(header, 0) == 0x0403_4B50 else { throw invalid("entry \(name): no local header at \(local)") }
            let localNameLen = Int(u16(header, 26))
            let localExtraLen = Int(u16(header, 28))
            guard local + 30 + UInt64(localNameLen) <= cdOffset,
                  try read(fh, at: local + 30, count: localNameLen) == nameBytes else { throw invalid("entry \(name): local and central names differ") }
            let dataOffset = local + 30 + UInt64(localNameLen) + UInt64(localExtraLen)
            guard dataOffset <= cdOffset, usize <= cdOffset - dataOffset else { throw invalid("entry \(name): data runs into the central directory") }
            guard !isDirectory || usize == 0 else { throw invalid("directory entry \(name) has data") }
            entries.append(ZipEntry(name: name, isDirectory: isDirectory, size: usize, crc32: crc, dataOffset: dataOffset))
        }

        let files = entries.filter { !$0.isDirectory }
        guard files.count <= limits.maxFiles else {
            throw BridgeError(.invalidPackage, "the package has \(files.count) files, over the limit of \(limits.maxFiles)")
        }
        guard files.reduce(UInt64(0), { $0 + $1.size }) <= UInt64(limits.maxPackageBytes) else {
            throw BridgeError(.packageTooLarge, "the package's files are over the size limit")
        }
        guard let manifest = files.first(where: { $0.name == "Manifest.json" || $0.name.hasSuffix("/Manifest.json") }) else {
            throw BridgeError(.invalidPackage, "the zip has no Manifest.json")
        }
        let root = String(manifest.name.dropLast("Manifest.json".count))
        guard root.isEmpty || root.firstIndex(of: "/") == root.index(before: root.endIndex) else {
            throw BridgeError(.invalidPackage, "Manifest.json must be at the top of the package folder, found \(manifest.name)")
        }
        for e in entries where e.name != root && !e.name.hasPrefix(root) {
            throw BridgeError(.unsafePath, "zip entry \(e.name) lies outside the package folder \(root)")
        }
        return (entries, root)
    }

    /// Extracts the package inside the zip at `url` into `destination` (the `.mlpackage` folder to create).
    public static func extract(_ url: URL, to destination: URL, limits: BridgeLimits) throws {
        let fh = try FileHandle(forReadingFrom: url)
        defer { try? fh.close() }
        let (list, root) = try Self.entries(fh, limits: limits)
        let fm = FileManager.default
        let base = destination.standardizedFileURL
        try fm.createDirectory(at: base, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        for e in list where e.name != root {
            let rel = String(e.name.dropFirst(root.count))
            let target = rel.split(separator: "/").reduce(base) { $0.appendingPathComponent(String($1)) }.standardizedFileURL
            // Defense in depth: the names were checked, and the resolved path must still lie inside.
            guard target.path.hasPrefix(base.path + "/") else { throw BridgeError(.unsafePath, "zip entry \(e.name) leaves the package folder") }
            if e.isDirectory {
                try fm.createDirectory(at: target, withIntermediateDirectories: true)
                continue
            }
            try fm.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            guard fm.createFile(atPath: target.path, contents: nil) else { throw BridgeError(.internal, "cannot create \(rel)") }
            let out = try FileHandle(forWritingTo: target)
            defer { try? out.close() }
            try fh.seek(toOffset: e.dataOffset)
            var left = e.size
            var crc: UInt32 = 0
            while left > 0 {
                let n = Int(min(left, 1 << 20))
                guard let piece = try fh.read(upToCount: n), piece.count == n else { throw invalid("entry \(e.name) is truncated") }
                crc = piece.withUnsafeBytes { CRC32.update(crc, $0) }
                try out.write(contentsOf: piece)
                left -= UInt64(n)
            }
            guard crc == e.crc32 else { throw invalid("entry \(e.name): CRC-32 mismatch") }
        }
    }
}

/// CRC-32 (ISO-HDLC, the zip checksum), a byte at a time.
public enum CRC32 {
    static let table: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    /// Continues `crc` (0 to start) over `bytes`.
    public static func update(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        table.withUnsafeBufferPointer { t in
            var c = ~crc
            for b in bytes { c = t[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
            return ~c
        }
    }
}

/// IEEE 754 binary16 conversions on bit patterns (Swift's Float16 is unavailable on Intel Macs).
public enum Half {
    /// Rounds a double to the nearest half (ties to even; overflow to ±Infinity; NaN to a quiet
    /// NaN keeping the sign), directly (no double rounding). Port of halfBitsFromNumber (src/runtime/fp16.ts).
    public static func bits(_ x: Double) -> UInt16 {
        let b = x.bitPattern
        let hi = UInt32(truncatingIfNeeded: b >> 32)
        let lo = UInt32(truncatingIfNeeded: b)
        let sign = UInt16(truncatingIfNeeded: (hi >> 16) & 0x8000)
        let biased = Int((hi >> 20) & 0x7FF)
        if biased == 0x7FF { return (hi & 0xFFFFF) != 0 || lo != 0 ? sign | 0x7E00 : sign | 0x7C00 }
        let e = biased - 1023
        if e > 15 { return sign | 0x7C00 }
        let mant20 = hi & 0xFFFFF
        if e >= -14 {
            var h = UInt32(e + 15) << 10 | (mant20 >> 10)
            let rest = mant20 & 0x3FF
            if rest > 0x200 || (rest == 0x200 && (lo != 0 || h & 1 != 0)) { h += 1 }
            return sign | UInt16(h)
        }
        if e < -25 { return sign }
        let sig21 = 0x100000 | mant20
        let shift = UInt32(-(e + 4)) // 11 ... 21
        var m = sig21 >> shift
        let rest = sig21 & ((1 << shift) - 1)
        let half: UInt32 = 1 << (shift - 1)
        if rest > half || (rest == half && (lo != 0 || m & 1 != 0)) { m += 1 }
        return sign | UInt16(m)
    }

    /// The value of a half bit pattern (exact in Float).
    public static func value(_ h: UInt16) -> Float {
        let sign: Float = h & 0x8000 != 0 ? -1 : 1
        let exponent = Int((h >> 10) & 0x1F)
        let mantissa = Float(h & 0x3FF)
        if exponent == 0 { return sign * mantissa * 0x1p-24 }
        if exponent == 0x1F { return mantissa == 0 ? sign * .infinity : .nan }
        return sign * (1024 + mantissa) * Float(sign: .plus, exponent: exponent - 25, significand: 1)
    }
}
